import { PlusOutlined } from '@ant-design/icons';
import { Button, DatePicker, Flex, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDate, formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { CASE_STATUSES, useCases, useCreateCase, type CaseRow, type CaseStatus } from './api';
import { words } from './words';

const PAGE_SIZE = 20;
const isStatus = (value: string | null): value is CaseStatus => CASE_STATUSES.includes(value as CaseStatus);

interface NewCaseValues {
  caseNumber: string;
  title: string;
  openedOn: Dayjs;
}

function NewCaseModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const w = useWords(words);
  const [form] = Form.useForm<NewCaseValues>();
  const navigate = useNavigate();
  const create = useCreateCase();
  return (
    <Modal
      open={open}
      title={w.newCase}
      okText={w.create}
      cancelText={w.cancel}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      onCancel={() => {
        create.reset();
        onClose();
      }}
      destroyOnHidden
    >
      <Form<NewCaseValues>
        form={form}
        layout="vertical"
        initialValues={{ openedOn: dayjs() }}
        onFinish={(values) =>
          create.mutate(
            {
              caseNumber: values.caseNumber.trim(),
              title: values.title.trim(),
              openedOn: values.openedOn.format('YYYY-MM-DD'),
            },
            { onSuccess: (created) => navigate(`/cases/${created.id}`) },
          )
        }
      >
        <Form.Item
          name="caseNumber"
          label={w.caseNumber}
          rules={[{ required: true, whitespace: true, message: w.required }]}
        >
          <Input maxLength={100} autoFocus />
        </Form.Item>
        <Form.Item name="title" label={w.caseTitle} rules={[{ required: true, whitespace: true, message: w.required }]}>
          <Input maxLength={500} />
        </Form.Item>
        <Form.Item name="openedOn" label={w.openedOn} rules={[{ required: true, message: w.required }]}>
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
        {create.error && <ProblemAlert error={create.error} />}
      </Form>
    </Modal>
  );
}

/** The cases the caller may see; the search, the state and the page are in the address, so a link shows the same. */
export default function CasesPage() {
  const w = useWords(words);
  const { lang } = useLang();
  const { data: me } = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  // A case is what the list is for: its page's code is fetched while the list is read, not after the click.
  useEffect(() => void import('./CasePage'), []);

  const q = params.get('q')?.trim() ?? '';
  const rawStatus = params.get('state');
  const status = isStatus(rawStatus) ? rawStatus : undefined;
  const page = Math.max(1, Math.floor(Number(params.get('page'))) || 1);
  const cases = useCases({
    ...(q ? { q } : {}),
    ...(status ? { status } : {}),
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });

  const change = (next: Record<string, string | undefined>) => {
    const merged = new URLSearchParams(params);
    for (const [key, value] of Object.entries(next)) {
      if (value) merged.set(key, value);
      else merged.delete(key);
    }
    setParams(merged);
  };

  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {w.casesTitle}
        </Typography.Title>
        {hasRole(me, 'officer', 'clerk') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {w.newCase}
          </Button>
        )}
      </Flex>
      <Space wrap role="search" aria-label={w.searchLabel}>
        <Input.Search
          key={q}
          defaultValue={q}
          placeholder={w.search}
          aria-label={w.searchLabel}
          allowClear
          enterButton={w.searchButton}
          onSearch={(value) => change({ q: value.trim() || undefined, page: undefined })}
          style={{ width: 360, maxWidth: '100%' }}
        />
        <Select<CaseStatus | ''>
          aria-label={w.stateLabel}
          value={status ?? ''}
          onChange={(value) => change({ state: value || undefined, page: undefined })}
          style={{ width: 160 }}
          options={[
            { value: '', label: w.allStates },
            ...CASE_STATUSES.map((s) => ({ value: s, label: w[`status_${s}`] })),
          ]}
        />
      </Space>
      {cases.error && <ProblemAlert error={cases.error} />}
      <Table<CaseRow>
        rowKey="id"
        size="middle"
        loading={cases.isFetching}
        dataSource={cases.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: w.noCases }}
        onRow={(row) => ({ onClick: () => navigate(`/cases/${row.id}`), style: { cursor: 'pointer' } })}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: cases.data?.total ?? 0,
          showSizeChanger: false,
          showTotal: (n) => w.total(n),
          onChange: (next) => change({ page: next > 1 ? String(next) : undefined }),
        }}
        columns={[
          {
            key: 'caseNumber',
            title: w.caseNumber,
            render: (_, row) => (
              <Link to={`/cases/${row.id}`} onClick={(event) => event.stopPropagation()}>
                {row.caseNumber}
              </Link>
            ),
          },
          { key: 'title', title: w.caseTitle, dataIndex: 'title' },
          { key: 'openedOn', title: w.openedOn, render: (_, row) => formatDate(row.openedOn, lang) },
          {
            key: 'status',
            title: w.status,
            render: (_, row) => (
              <Tag color={row.status === 'open' ? 'blue' : 'default'}>{w[`status_${row.status}`]}</Tag>
            ),
          },
          {
            key: 'createdAt',
            title: w.createdAt,
            responsive: ['md'],
            render: (_, row) => formatTime(row.createdAt, lang),
          },
        ]}
      />
      <NewCaseModal open={creating} onClose={() => setCreating(false)} />
    </Flex>
  );
}
