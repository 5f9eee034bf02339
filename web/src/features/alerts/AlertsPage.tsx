import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Flex, Segmented, Table, Typography } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { ItemLink } from '../../components/ItemLink';
import { PageTitle } from '../../components/PageTitle';
import { NoteDialog } from '../../components/NoteDialog';
import { ProblemAlert } from '../../components/ProblemAlert';
import { api, ok } from '../../lib/api';
import type { Answer } from '../../lib/api-shapes';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { common, serverWord } from '../../lib/words';
import { words } from './words';

type Alert = Answer<'getAlerts'>['items'][number];
type Status = 'open' | 'resolved';
const PAGE_SIZE = 50;

/** Deals with an alert, saying what was done: that note is kept with it. */
function ResolveDialog({ alert, onClose }: { alert: Alert | undefined; onClose: () => void }) {
  const w = useWords(words);
  const queryClient = useQueryClient();
  const resolve = useMutation({
    mutationFn: ({ id, note }: { id: string; note: string }) =>
      ok(api.POST('/alerts/{id}/resolve', { params: { path: { id } }, body: { note } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['alerts'] }),
  });
  return (
    <NoteDialog
      open={!!alert}
      title={w.resolveTitle}
      intro={alert && <p>{alert.message}</p>}
      label={w.note}
      required
      requiredMessage={w.required}
      cancelText={w.cancel}
      okText={w.resolve}
      sending={resolve}
      onSend={(note, done) => resolve.mutate({ id: alert!.id, note: note! }, { onSuccess: done })}
      onClose={onClose}
    />
  );
}

/** The alerts the user may see, open or dealt with; the warehouse and approvers deal with them here. */
export default function AlertsPage() {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const me = useMe().data;
  const [params, setParams] = useSearchParams();
  const status: Status = params.get('status') === 'resolved' ? 'resolved' : 'open';
  const [resolving, setResolving] = useState<Alert>();
  const alerts = useQuery({
    queryKey: ['alerts', status],
    queryFn: () => ok(api.GET('/alerts', { params: { query: { status, limit: PAGE_SIZE, offset: 0 } } })),
    placeholderData: keepPreviousData,
  });
  const mayResolve = status === 'open' && hasRole(me, 'warehouse', 'approver');
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Segmented<Status>
        aria-label={w.show}
        value={status}
        onChange={(next) => setParams(next === 'resolved' ? { status: next } : {})}
        options={[
          { value: 'open', label: w.open },
          { value: 'resolved', label: w.resolved },
        ]}
        style={{ alignSelf: 'start' }}
      />
      {alerts.error ? (
        <ProblemAlert error={alerts.error} />
      ) : (
        <Table<Alert>
          rowKey="id"
          size="middle"
          loading={alerts.isFetching}
          dataSource={alerts.data?.items}
          pagination={false}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          columns={[
            { key: 'createdAt', title: w.createdAt, width: 170, render: (_, a) => formatTime(a.createdAt, lang) },
            { key: 'kind', title: w.kind, width: 120, render: (_, a) => serverWord(c, 'alert', a.kind) },
            { key: 'item', title: w.item, width: 150, render: (_, a) => a.itemCode && <ItemLink code={a.itemCode} /> },
            { key: 'message', title: w.message, dataIndex: 'message' },
            status === 'resolved'
              ? {
                  key: 'resolution',
                  title: w.resolved,
                  render: (_, a) => (
                    <Flex vertical>
                      <span>{a.resolutionNote}</span>
                      <Typography.Text type="secondary">
                        {w.resolvedBy(a.resolvedByName ?? '', formatTime(a.resolvedAt, lang))}
                      </Typography.Text>
                    </Flex>
                  ),
                }
              : {
                  key: 'actions',
                  title: <span className="visually-hidden">{w.resolve}</span>,
                  width: 100,
                  render: (_, a) =>
                    mayResolve && (
                      <Button size="small" onClick={() => setResolving(a)}>
                        {w.resolve}
                      </Button>
                    ),
                },
          ]}
        />
      )}
      <ResolveDialog alert={resolving} onClose={() => setResolving(undefined)} />
    </Flex>
  );
}
