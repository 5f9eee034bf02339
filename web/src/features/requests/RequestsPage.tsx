import { Button, Flex, Grid, List, Select, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { useMe } from '../../lib/session';
import { REQUEST_STATUSES, useRequests, type CustodyRequest, type RequestKind, type RequestStatus } from './api';
import { CancelDialog } from './CancelDialog';
import { DecisionNotes, RequestDetails, RequestSummary, StatusTag, useMayCancel } from './present';
import { words } from './words';

const PAGE_SIZE = 20;
const KINDS: readonly RequestKind[] = ['loan', 'transfer', 'disposal', 'correction'];
const SHOWN_CODES = 3;

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.includes(value as T) ? (value as T) : undefined;

/** The requests the user may see, newest first, filtered by kind and state (both kept in the address). */
export default function RequestsPage() {
  const w = useWords(words);
  const { lang } = useLang();
  const me = useMe().data;
  const [params, setParams] = useSearchParams();
  const [cancelling, setCancelling] = useState<CustodyRequest>();
  const kind = oneOf(KINDS, params.get('kind'));
  const status = oneOf(REQUEST_STATUSES, params.get('state'));
  const page = Math.max(1, Number(params.get('page')) || 1);
  const list = useRequests({ kind, status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });

  const setFilter = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== 'page') next.delete('page');
    setParams(next);
  };
  const mayCancel = useMayCancel();
  const narrow = !Grid.useBreakpoint().md;
  const pagination = {
    current: page,
    pageSize: PAGE_SIZE,
    total: list.data?.total,
    showSizeChanger: false,
    showTotal: (total: number) => w.total(total),
    onChange: (next: number) => setFilter('page', next > 1 ? String(next) : undefined),
  };
  const cancelButton = (r: CustodyRequest) =>
    mayCancel(r) && (
      <Button size="small" onClick={() => setCancelling(r)}>
        {w.cancelRequest}
      </Button>
    );

  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Flex gap={8} wrap>
        <Select<RequestKind | ''>
          aria-label={w.filterKind}
          value={kind ?? ''}
          onChange={(value) => setFilter('kind', value || undefined)}
          style={{ width: 160 }}
          options={[{ value: '', label: w.allKinds }, ...KINDS.map((k) => ({ value: k, label: w[`kind_${k}`] }))]}
        />
        <Select<RequestStatus | ''>
          aria-label={w.filterStatus}
          value={status ?? ''}
          onChange={(value) => setFilter('state', value || undefined)}
          style={{ width: 160 }}
          options={[
            { value: '', label: w.allStatuses },
            ...REQUEST_STATUSES.map((s) => ({ value: s, label: w[`status_${s}`] })),
          ]}
        />
      </Flex>
      {list.error ? (
        <ProblemAlert error={list.error} />
      ) : narrow ? (
        // A phone has no room for the table's columns: each request in a few lines.
        <List<CustodyRequest>
          loading={list.isFetching}
          dataSource={list.data?.items}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={pagination}
          renderItem={(r) => (
            <List.Item actions={mayCancel(r) ? [cancelButton(r)] : undefined}>
              <RequestSummary request={r} showItems />
            </List.Item>
          )}
        />
      ) : (
        <Table<CustodyRequest>
          rowKey="id"
          size="middle"
          loading={list.isFetching}
          dataSource={list.data?.items}
          scroll={{ x: 960 }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={pagination}
          columns={[
            {
              key: 'createdAt',
              title: w.createdAt,
              width: 150,
              render: (_, r) => formatTime(r.createdAt, lang),
            },
            {
              key: 'kind',
              title: w.kind,
              width: 80,
              render: (_, r) => w[`kind_${r.kind}`],
            },
            {
              key: 'items',
              title: w.items,
              width: 200,
              render: (_, r) => (
                <Flex vertical>
                  {r.itemCodes.slice(0, SHOWN_CODES).map((code) => (
                    <Link key={code} to={`/items/${code}`}>
                      <ItemCode code={code} />
                    </Link>
                  ))}
                  {r.itemCodes.length > SHOWN_CODES && (
                    <Typography.Text type="secondary">{w.total(r.itemCodes.length)}</Typography.Text>
                  )}
                </Flex>
              ),
            },
            { key: 'details', title: w.details, render: (_, r) => <RequestDetails request={r} /> },
            { key: 'reason', title: w.reason, dataIndex: 'reason', ellipsis: true },
            {
              key: 'status',
              title: w.status,
              width: 150,
              render: (_, r) => (
                <Flex vertical gap={2} align="start">
                  <StatusTag status={r.status} />
                  {r.requesterId === me?.id && <Typography.Text type="secondary">{w.mine}</Typography.Text>}
                </Flex>
              ),
            },
            {
              key: 'decision',
              title: w.decision,
              render: (_, r) => <DecisionNotes request={r} />,
            },
            {
              key: 'actions',
              title: <span className="visually-hidden">{w.actions}</span>,
              width: 90,
              render: (_, r) => cancelButton(r),
            },
          ]}
        />
      )}
      <CancelDialog request={cancelling} onClose={() => setCancelling(undefined)} />
    </Flex>
  );
}
