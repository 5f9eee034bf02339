import { Button, Flex, Form, Input, InputNumber, Segmented, Select, Table, Tag, Typography } from 'antd';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { tones } from '../../lib/tones';
import { useInventories, useStartInventory, type Inventory } from './api';
import { words } from './words';

const PAGE_SIZE = 20;

interface Values {
  locationCode: string;
  kind: 'full' | 'sample';
  confidence: 0.9 | 0.95 | 0.99;
  margin: number;
}

function StartForm() {
  const w = useWords(words);
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form) ?? 'full';
  const start = useStartInventory();
  const submit = (v: Values) =>
    start.mutate(
      {
        locationCode: v.locationCode.trim(),
        ...(v.kind === 'sample' ? { sample: { confidence: v.confidence, margin: v.margin } } : {}),
      },
      { onSuccess: (started) => navigate(`/inventories/${started.id}`) },
    );
  return (
    <Form<Values>
      form={form}
      layout="vertical"
      requiredMark={false}
      initialValues={{ kind: 'full', confidence: 0.95, margin: 0.05 }}
      onFinish={submit}
      onValuesChange={() => start.error && start.reset()}
    >
      <Flex gap={12} wrap align="end">
        <Form.Item
          name="locationCode"
          label={w.location}
          rules={[{ required: true, whitespace: true, message: w.required }]}
          style={{ flex: '0 1 220px' }}
        >
          <Input autoComplete="off" maxLength={64} />
        </Form.Item>
        <Form.Item name="kind" label={w.kind}>
          <Segmented
            options={[
              { value: 'full', label: w.kind_full },
              { value: 'sample', label: w.kind_sample },
            ]}
          />
        </Form.Item>
        {kind === 'sample' && (
          <>
            <Form.Item name="confidence" label={w.confidence} style={{ width: 120 }}>
              <Select options={[0.9, 0.95, 0.99].map((c) => ({ value: c, label: `${c * 100}%` }))} />
            </Form.Item>
            <Form.Item name="margin" label={w.margin} style={{ width: 120 }}>
              <InputNumber min={0.01} max={0.5} step={0.01} style={{ width: '100%' }} />
            </Form.Item>
          </>
        )}
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={start.isPending}>
            {w.start}
          </Button>
        </Form.Item>
      </Flex>
      {start.error && <ProblemAlert error={start.error} />}
    </Form>
  );
}

/** Every inventory, newest first; the warehouse starts one here. */
export default function InventoriesPage() {
  const w = useWords(words);
  const { lang } = useLang();
  const me = useMe().data;
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const list = useInventories(PAGE_SIZE, (page - 1) * PAGE_SIZE);
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      {hasRole(me, 'warehouse') && <StartForm />}
      {list.error ? (
        <ProblemAlert error={list.error} />
      ) : (
        <Table<Inventory>
          rowKey="id"
          size="middle"
          loading={list.isFetching}
          dataSource={list.data?.items}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total,
            showSizeChanger: false,
            hideOnSinglePage: true,
            onChange: (next) => setParams(next > 1 ? { page: String(next) } : {}),
          }}
          columns={[
            {
              key: 'location',
              title: w.location,
              render: (_, a) => <Link to={`/inventories/${a.id}`}>{a.locationCode}</Link>,
            },
            { key: 'kind', title: w.kind, render: (_, a) => w[`kind_${a.kind}`] },
            {
              key: 'status',
              title: w.status,
              render: (_, a) => (
                <Tag style={a.status === 'open' ? tones.gold : undefined}>{w[`status_${a.status}`]}</Tag>
              ),
            },
            { key: 'startedAt', title: w.startedAt, render: (_, a) => formatTime(a.startedAt, lang) },
            { key: 'expected', title: w.expected, dataIndex: 'expected' },
            { key: 'scanned', title: w.scanned, dataIndex: 'scanned' },
            { key: 'found', title: w.found, render: (_, a) => a.counts.found },
            { key: 'notSeen', title: w.notSeen, render: (_, a) => a.counts.notSeen },
          ]}
        />
      )}
    </Flex>
  );
}
