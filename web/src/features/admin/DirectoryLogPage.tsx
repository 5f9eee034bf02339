import { useQueries, useQuery } from '@tanstack/react-query';
import { Alert, Button, Flex, Table, Typography } from 'antd';
import { Link, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useAgencies } from '../../lib/agencies';
import { api, ok } from '../../lib/api';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { useDirectoryLog, useLocations, useVerifyDirectoryLog } from './api';
import { words } from './log.words';

const PAGE_SIZE = 50;

/** An entry as the server records it (src/custody/directory/directory-log.ts). */
interface Entry {
  seq: string;
  action: string;
  actor: { id: string; username: string } | null;
  subject: { kind: 'user' | 'agency' | 'location' | 'device' | 'webhook'; id: string };
  change: Record<string, unknown>;
  recordedAt: string;
}

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

// An API client is a user of kind `client` (src/custody/directory/clients.ts): its entries name it as a user
// subject, and only its own actions tell it from a person, whom GET /users/{id} reads.
const isClient = (e: Entry) => e.action.startsWith('client.');
const kindOf = (e: Entry) => (isClient(e) ? 'client' : e.subject.kind);

/** What changed, a field a line: `field: from → to`, or the value a creation recorded. */
function Change({ change }: { change: Record<string, unknown> }) {
  return (
    <Flex vertical>
      {Object.entries(change).map(([field, value]) => {
        const fromTo =
          value && typeof value === 'object' && 'from' in value && 'to' in value
            ? `${shown(value.from)} → ${shown(value.to)}`
            : shown(value);
        return (
          <Typography.Text key={field} style={{ wordBreak: 'break-word' }}>
            <Typography.Text type="secondary">{field}: </Typography.Text>
            {fromTo}
          </Typography.Text>
        );
      })}
    </Flex>
  );
}

/**
 * The names of the subjects on a page, by id: agencies and locations from their lists, devices, API clients
 * and webhook subscriptions from theirs (administrators only), users one by one. A subject not found there (a
 * deleted subscription, a client to an inspector) is named by what an entry about it says, or by its id.
 */
function useSubjectNames(entries: Entry[]): Map<string, string> {
  const me = useMe().data;
  const isAdmin = hasRole(me, 'admin');
  const agencies = useAgencies();
  const locations = useLocations();
  const devices = useQuery({
    queryKey: ['devices'],
    queryFn: () => ok(api.GET('/devices', { params: { query: { limit: 200, offset: 0 } } })),
    enabled: isAdmin,
  });
  const clients = useQuery({
    queryKey: ['clients', 'names'],
    queryFn: () => ok(api.GET('/clients', { params: { query: { limit: 200, offset: 0 } } })),
    enabled: isAdmin,
  });
  const webhooks = useQuery({
    queryKey: ['webhooks', 'names'],
    queryFn: () => ok(api.GET('/webhooks', { params: { query: { limit: 200, offset: 0 } } })),
    enabled: isAdmin,
  });
  const userIds = [
    ...new Set(entries.filter((e) => e.subject.kind === 'user' && !isClient(e)).map((e) => e.subject.id)),
  ];
  const users = useQueries({
    queries: userIds.map((id) => ({
      queryKey: ['users', id],
      queryFn: () => ok(api.GET('/users/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  const told = entries.flatMap((e) => {
    const name = e.change.name ?? e.change.url;
    return typeof name === 'string' && (isClient(e) || e.subject.kind === 'webhook')
      ? [[e.subject.id, name] as const]
      : [];
  });
  return new Map([
    ...told,
    ...(agencies.data?.items.map((g) => [g.id, g.code] as const) ?? []),
    ...(locations.data?.map((l) => [l.id, l.code] as const) ?? []),
    ...(devices.data?.items.map((d) => [d.id, d.code] as const) ?? []),
    ...(clients.data?.items.map((client) => [client.id, client.name] as const) ?? []),
    ...(webhooks.data?.items.map((h) => [h.id, h.url] as const) ?? []),
    ...users.flatMap((u) => (u.data ? [[u.data.id, u.data.username] as const] : [])),
  ]);
}

/** Verifies the whole directory log on the server and says what it found. */
function Verify() {
  const w = useWords(words);
  const verify = useVerifyDirectoryLog();
  const result = verify.data;
  return (
    <Flex vertical gap={8}>
      <Flex gap={12} align="center" wrap>
        <Button onClick={() => verify.mutate()} loading={verify.isPending}>
          {w.verify}
        </Button>
        <Typography.Text type="secondary">{w.verifyHint}</Typography.Text>
      </Flex>
      {verify.error && <ProblemAlert error={verify.error} />}
      {result && (
        <Alert
          type={result.ok ? 'success' : 'error'}
          showIcon
          role="status"
          data-testid="directory-log-result"
          title={result.ok ? w.passed(result.size) : w.failed}
          description={
            result.failure ? (
              <>
                {result.failure.seq !== null && w.failedAt(result.failure.seq)}
                {result.failure.reason}
              </>
            ) : (
              <Typography.Text code style={{ wordBreak: 'break-all' }}>
                {w.root(result.root)}
              </Typography.Text>
            )
          }
        />
      )}
    </Flex>
  );
}

/** The directory log, newest first, of everything or of one subject (?subject=), and its verification. */
export default function DirectoryLogPage() {
  const w = useWords(words);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const subject = params.get('subject') ?? undefined;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const log = useDirectoryLog(subject, page, PAGE_SIZE);
  const entries = (log.data?.items ?? []).map((item) => item.entry as Entry);
  const names = useSubjectNames(entries);
  const nameOf = (e: Entry) =>
    names.get(e.subject.id) ?? shown(e.change.code ?? e.change.username ?? e.subject.id.slice(0, 8));
  const subjectName = subject && (names.get(subject) ?? subject.slice(0, 8));
  const actionWord = (action: string) => {
    const word = (w as Record<string, unknown>)[action];
    return typeof word === 'string' ? word : action;
  };
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Verify />
      {subjectName && (
        <Flex gap={12} align="center">
          <Typography.Text strong>{w.subjectOnly(subjectName)}</Typography.Text>
          <Link to="/admin/log">{w.showAll}</Link>
        </Flex>
      )}
      {log.error ? (
        <ProblemAlert error={log.error} />
      ) : (
        <Table<Entry>
          rowKey="seq"
          size="small"
          loading={log.isFetching}
          dataSource={entries}
          scroll={{ x: 900 }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: log.data?.total,
            showSizeChanger: false,
            showTotal: (total) => w.count(total),
            onChange: (next) => {
              const p = new URLSearchParams(params);
              if (next > 1) p.set('page', String(next));
              else p.delete('page');
              setParams(p);
            },
          }}
          columns={[
            { key: 'seq', title: w.seq, dataIndex: 'seq', width: 70 },
            { key: 'recordedAt', title: w.recordedAt, width: 170, render: (_, e) => formatTime(e.recordedAt, lang) },
            { key: 'action', title: w.action, width: 160, render: (_, e) => actionWord(e.action) },
            { key: 'actor', title: w.actor, width: 120, render: (_, e) => e.actor?.username ?? w.server },
            {
              key: 'subject',
              title: w.subject,
              width: 200,
              render: (_, e) => (
                <Link to={`/admin/log?subject=${e.subject.id}`}>
                  {w[`kind_${kindOf(e)}`]} {nameOf(e)}
                </Link>
              ),
            },
            { key: 'change', title: w.change, render: (_, e) => <Change change={e.change} /> },
          ]}
        />
      )}
    </Flex>
  );
}
