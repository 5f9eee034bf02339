import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, UnprocessableError } from '../../errors';
import type { Caller } from '../../custody/directory/caller';
import { recordDirectoryChange } from '../../custody/directory/directory-log';
import { arrayLiteral } from '../../custody/sql';
import type { Sealer } from '../sealed';
import { checkDestination } from './destination';
import type { WebhookEventType } from './messages';
import { generateSigningSecret } from './signature';

/** What an administrator sets up: where, which event types, and the agencies whose items it covers. */
export interface NewSubscription {
  url: string;
  eventTypes: WebhookEventType[];
  agencyCodes: string[];
}

export interface SubscriptionView {
  id: string;
  url: string;
  eventTypes: string[];
  agencyCodes: string[];
  status: 'active' | 'paused';
  pausedReason: string | null;
  /** The last ledger index delivered or passed over: the next event delivered is after it. */
  ledgerCursor: number;
  changeCursor: number;
  failures: number;
  failingSince: string | null;
  nextAttemptAt: string;
  createdAt: string;
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const VIEW = `select s.id, s.url, s.event_types as "eventTypes",
    array(select a.code from agencies a where a.id = any (s.agency_ids) order by a.code) as "agencyCodes",
    s.status, s.paused_reason as "pausedReason", s.ledger_cursor::int8 as "ledgerCursor",
    s.change_cursor::int8 as "changeCursor", s.failures, ${iso('s.failing_since')} as "failingSince",
    ${iso('s.next_attempt_at')} as "nextAttemptAt", ${iso('s.created_at')} as "createdAt"
  from webhook_subscriptions s`;

const asView = (row: SubscriptionView): SubscriptionView => ({
  ...row,
  ledgerCursor: Number(row.ledgerCursor),
  changeCursor: Number(row.changeCursor),
});

export async function listSubscriptions(em: EntityManager, page: { limit: number; offset: number }) {
  const rows = await em.execute<SubscriptionView[]>(`${VIEW} order by s.created_at desc, s.id limit ? offset ?`, [
    page.limit,
    page.offset,
  ]);
  const [count] = await em.execute<{ n: number }[]>('select count(*)::int as n from webhook_subscriptions');
  return { items: rows.map(asView), total: count!.n };
}

export async function findSubscription(em: EntityManager, id: string): Promise<SubscriptionView> {
  const [row] = await em.execute<SubscriptionView[]>(`${VIEW} where s.id = ?`, [id]);
  if (!row) throw new NotFoundError(`webhook subscription ${id} does not exist`);
  return asView(row);
}

/**
 * A subscription, from the ledger's and the changes' ends as they are now (replay from an earlier index
 * delivers what came before), with its signing secret, which the answer shows once.
 */
export async function createSubscription(
  em: EntityManager,
  actor: Caller,
  input: NewSubscription,
  { sealer, allowInternal }: { sealer: Sealer; allowInternal: boolean },
): Promise<{ subscription: SubscriptionView; secret: string }> {
  await checkDestination(input.url, allowInternal);
  const secret = generateSigningSecret();
  const id = randomUUID();
  await em.transactional(async (tx) => {
    const agencies = await tx.execute<{ id: string; code: string }[]>(
      'select id, code from agencies where code = any (?::text[])',
      [arrayLiteral(input.agencyCodes)],
    );
    const unknown = input.agencyCodes.filter((code) => !agencies.some((a) => a.code === code));
    if (unknown.length) throw new UnprocessableError(`agency ${unknown.join(', ')} does not exist`);
    await tx.execute(
      `insert into webhook_subscriptions (id, url, event_types, agency_ids, sealed_secret, ledger_cursor, change_cursor, created_by)
       values (?, ?, ?::text[], ?::uuid[], ?, (select size - 1 from ledger_head),
               coalesce((select max(id) from changes), 0), ?)`,
      [
        id,
        input.url,
        arrayLiteral([...new Set(input.eventTypes)]),
        arrayLiteral(agencies.map((a) => a.id)),
        sealer.seal(secret),
        actor.id,
      ],
    );
    await recordDirectoryChange(tx, actor, {
      action: 'webhook.created',
      subject: { kind: 'webhook', id },
      change: { url: input.url, eventTypes: [...new Set(input.eventTypes)], agencyCodes: agencies.map((a) => a.code) },
    });
  });
  return { subscription: await findSubscription(em, id), secret };
}

/** Changes one subscription under its row lock, and records what changed in the directory log. */
async function change(
  em: EntityManager,
  actor: Caller,
  id: string,
  action: string,
  apply: (row: { status: string }) => { sql: string; params: unknown[]; change?: Record<string, string> },
): Promise<SubscriptionView> {
  await em.transactional(async (tx) => {
    const [row] = await tx.execute<{ status: string }[]>(
      'select status from webhook_subscriptions where id = ? for update',
      [id],
    );
    if (!row) throw new NotFoundError(`webhook subscription ${id} does not exist`);
    const { sql, params, change: what = {} } = apply(row);
    await tx.execute(`update webhook_subscriptions set ${sql}, updated_at = now() where id = ?`, [...params, id]);
    await recordDirectoryChange(tx, actor, { action, subject: { kind: 'webhook', id }, change: what });
  });
  return findSubscription(em, id);
}

export const pauseSubscription = (em: EntityManager, actor: Caller, id: string) =>
  change(em, actor, id, 'webhook.paused', (row) => {
    if (row.status === 'paused') throw new ConflictError(`webhook subscription ${id} is already paused`);
    return { sql: `status = 'paused', paused_reason = 'paused by an administrator'`, params: [] };
  });

/** Delivers again from its cursors, at once: a paused subscription resumes where it stopped. */
export const resumeSubscription = (em: EntityManager, actor: Caller, id: string) =>
  change(em, actor, id, 'webhook.resumed', (row) => {
    if (row.status === 'active') throw new ConflictError(`webhook subscription ${id} is not paused`);
    return {
      sql: `status = 'active', paused_reason = null, failures = 0, failing_since = null, next_attempt_at = now()`,
      params: [],
    };
  });

/** Delivers again every covered ledger event from `fromIndex` on (the messages keep their webhook-id). */
export async function replaySubscription(
  em: EntityManager,
  actor: Caller,
  id: string,
  fromIndex: number,
): Promise<SubscriptionView> {
  const [head] = await em.execute<{ size: string }[]>('select size::text from ledger_head');
  if (fromIndex > Number(head!.size)) {
    throw new UnprocessableError(`fromIndex ${fromIndex} is past the ledger's end (${head!.size} events)`);
  }
  return change(em, actor, id, 'webhook.replayed', () => ({
    // The lease ended too, so that an instance delivering now cannot move the cursor back past the replay.
    sql: `ledger_cursor = ?, failures = 0, failing_since = null, next_attempt_at = now(), lease_owner = null, lease_until = null`,
    params: [fromIndex - 1],
    change: { fromIndex: String(fromIndex) },
  }));
}

export async function deleteSubscription(em: EntityManager, actor: Caller, id: string): Promise<void> {
  await em.transactional(async (tx) => {
    const gone = await tx.execute<{ url: string }[]>('delete from webhook_subscriptions where id = ? returning url', [
      id,
    ]);
    if (!gone.length) throw new NotFoundError(`webhook subscription ${id} does not exist`);
    await recordDirectoryChange(tx, actor, {
      action: 'webhook.deleted',
      subject: { kind: 'webhook', id },
      change: { url: gone[0]!.url },
    });
  });
}

export interface AttemptView {
  id: number;
  messageId: string;
  eventType: string;
  attemptedAt: string;
  durationMs: number;
  status: number | null;
  error: string | null;
  response: string | null;
}

/** A subscription's attempts, newest first: each with the receiver's status and the start of its answer. */
export async function listAttempts(em: EntityManager, id: string, page: { limit: number; offset: number }) {
  await findSubscription(em, id);
  const items = await em.execute<AttemptView[]>(
    `select id::int8 as id, message_id as "messageId", event_type as "eventType", ${iso('attempted_at')} as "attemptedAt",
            duration_ms as "durationMs", status, error, response
       from webhook_attempts where subscription_id = ? order by id desc limit ? offset ?`,
    [id, page.limit, page.offset],
  );
  const [count] = await em.execute<{ n: number }[]>(
    'select count(*)::int as n from webhook_attempts where subscription_id = ?',
    [id],
  );
  return { items: items.map((a) => ({ ...a, id: Number(a.id) })), total: count!.n };
}
