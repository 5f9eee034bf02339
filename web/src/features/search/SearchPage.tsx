import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, DatePicker, Flex, Form, Input, Select, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect } from 'react';
import { useSearchParams } from 'react-router';
import { CATEGORIES, PHYSICAL_STATES } from '../../../../src/custody/items/item-kinds';
import { ItemLink } from '../../components/ItemLink';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useAgencies } from '../../lib/agencies';
import { api, ok } from '../../lib/api';
import type { Answer } from '../../lib/api-shapes';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { common } from '../../lib/words';
import { words } from './words';

type Item = Answer<'getItems'>['items'][number] & { lastEventAt?: string };
type State = (typeof PHYSICAL_STATES)[number];
type Category = (typeof CATEGORIES)[number];

const PAGE_SIZE = 20;
const DAY = 'YYYY-MM-DD';
// The fields kept in the address, by the name the form gives them.
const FIELDS = ['q', 'caseNumber', 'state', 'category', 'agency', 'location'] as const;

interface Values {
  q?: string;
  caseNumber?: string;
  state?: State;
  category?: Category;
  agency?: string;
  location?: string;
  seized?: [Dayjs | null, Dayjs | null] | null;
}

const oneOf = <T extends string>(values: readonly T[], value: string | null) =>
  values.includes(value as T) ? (value as T) : undefined;

/** Every item the user may see (an inspector: every agency's), filtered as the address says. */
export default function SearchPage() {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const agencies = useAgencies();
  const agencyNames = new Map((agencies.data?.items ?? []).map((a) => [a.code, a.name]));
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<Values>();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const from = params.get('from');
  const to = params.get('to');
  const query = {
    q: params.get('q') ?? undefined,
    caseNumber: params.get('caseNumber') ?? undefined,
    state: oneOf(PHYSICAL_STATES, params.get('state')),
    category: oneOf(CATEGORIES, params.get('category')),
    agency: params.get('agency') ?? undefined,
    location: params.get('location') ?? undefined,
    // A day runs from its start to the next day's start, in the browser's time zone.
    seizedFrom: from ? dayjs(from, DAY).startOf('day').toISOString() : undefined,
    seizedTo: to ? dayjs(to, DAY).add(1, 'day').startOf('day').toISOString() : undefined,
    sort: 'lastEventAt' as const,
    order: 'desc' as const,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  };
  const found = useQuery({
    queryKey: ['items', 'search', query],
    queryFn: () => ok(api.GET('/items', { params: { query } })),
    placeholderData: keepPreviousData,
  });

  // The form shows what the address asks for, after a reload or a link too; only when the address changes,
  // not at every render while the user is filling it in.
  const address = params.toString();
  useEffect(() => {
    const asked = new URLSearchParams(address);
    const [start, end] = [asked.get('from'), asked.get('to')];
    form.setFieldsValue({
      ...Object.fromEntries(FIELDS.map((name) => [name, asked.get(name) ?? undefined])),
      seized: start || end ? [start ? dayjs(start, DAY) : null, end ? dayjs(end, DAY) : null] : null,
    });
  }, [address, form]);

  const submit = (values: Values) => {
    const next = new URLSearchParams();
    for (const name of FIELDS) {
      const value = values[name]?.trim();
      if (value) next.set(name, value);
    }
    const [start, end] = values.seized ?? [];
    if (start) next.set('from', start.format(DAY));
    if (end) next.set('to', end.format(DAY));
    setParams(next);
  };
  const choices = <T extends string>(values: readonly T[], word: (value: T) => string) => [
    { value: '', label: w.any },
    ...values.map((value) => ({ value, label: word(value) })),
  ];

  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Form<Values> form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 1100 }}>
        <Flex gap={12} wrap>
          <Form.Item name="q" label={w.q} style={{ flex: '1 1 200px' }}>
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Form.Item name="caseNumber" label={w.caseNumber} style={{ flex: '1 1 200px' }}>
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Form.Item name="state" label={w.state} style={{ flex: '0 1 160px' }}>
            <Select placeholder={w.any} options={choices(PHYSICAL_STATES, (s) => c[`state_${s}`])} />
          </Form.Item>
          <Form.Item name="category" label={w.category} style={{ flex: '0 1 160px' }}>
            <Select placeholder={w.any} options={choices(CATEGORIES, (k) => c[`category_${k}`])} />
          </Form.Item>
          <Form.Item name="agency" label={w.agency} style={{ flex: '1 1 200px' }}>
            <Select
              placeholder={w.any}
              showSearch={{ optionFilterProp: 'label' }}
              loading={agencies.isPending}
              options={[
                { value: '', label: w.any },
                ...(agencies.data?.items ?? []).map((a) => ({ value: a.code, label: `${a.name}（${a.code}）` })),
              ]}
            />
          </Form.Item>
          <Form.Item name="location" label={w.location} style={{ flex: '0 1 180px' }}>
            <Input allowClear maxLength={64} />
          </Form.Item>
          <Form.Item name="seized" label={w.seized} style={{ flex: '1 1 260px' }}>
            <DatePicker.RangePicker allowEmpty={[true, true]} placeholder={[w.from, w.to]} style={{ width: '100%' }} />
          </Form.Item>
        </Flex>
        <Flex gap={8}>
          <Button type="primary" htmlType="submit">
            {w.search}
          </Button>
          <Button onClick={() => setParams({})}>{w.reset}</Button>
        </Flex>
      </Form>
      {found.error ? (
        <ProblemAlert error={found.error} />
      ) : (
        <Table<Item>
          rowKey="code"
          size="middle"
          loading={found.isFetching}
          dataSource={found.data?.items as Item[] | undefined}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: found.data?.total,
            showSizeChanger: false,
            showTotal: (n) => w.total(found.data?.totalExact === false ? c.atLeast(n) : n),
            onChange: (next) => {
              const kept = new URLSearchParams(params);
              if (next > 1) kept.set('page', String(next));
              else kept.delete('page');
              setParams(kept);
            },
          }}
          columns={[
            {
              key: 'code',
              title: w.code,
              width: 150,
              render: (_, item) => <ItemLink code={item.code} />,
            },
            { key: 'case', title: w.caseNumber, dataIndex: 'caseNumber', width: 190 },
            { key: 'category', title: w.category, width: 100, render: (_, item) => c[`category_${item.category}`] },
            { key: 'description', title: w.description, dataIndex: 'description', ellipsis: true },
            { key: 'state', title: w.state, width: 100, render: (_, item) => <Tag>{c[`state_${item.state}`]}</Tag> },
            {
              key: 'agency',
              title: w.agency,
              width: 160,
              render: (_, item) => agencyNames.get(item.owningAgencyCode) ?? item.owningAgencyCode,
            },
            { key: 'place', title: w.place, width: 130, render: (_, item) => item.locationCode ?? '' },
            {
              key: 'lastEvent',
              title: w.lastEvent,
              width: 170,
              render: (_, item) => formatTime(item.lastEventAt, lang),
            },
          ]}
        />
      )}
    </Flex>
  );
}
