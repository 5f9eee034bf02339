import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { pooledSql, type Sql } from '../../custody/sql';
import { databaseUnavailable } from '../../database-errors';
import type { Sealer } from '../sealed';
import { guardedLookup, isInternalAddress } from './destination';
import { nextMessages, type Message } from './messages';
import { signedHeaders } from './signature';

export interface DeliverySettings {
  /** Receivers on loopback, link-local or private addresses are allowed (WEBHOOK_ALLOW_PRIVATE). */
  allowInternal: boolean;
  /** How long one attempt may take, from connecting to the answer's status. */
  timeoutMs: number;
  /** The server's address as receivers reach it, for the links in the messages. */
  publicUrl: string;
  /** The first retry's wait, doubled on each failure up to maxBackoffMs. */
  firstBackoffMs: number;
  maxBackoffMs: number;
  /** How long a message may keep failing before its subscription is paused and an alert raised. */
  giveUpAfterMs: number;
  /** How often each instance looks for new messages when it has not been woken. */
  pollMs: number;
}

export const DEFAULT_DELIVERY: Omit<DeliverySettings, 'allowInternal' | 'publicUrl'> = {
  timeoutMs: 10_000,
  firstBackoffMs: 5_000,
  maxBackoffMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
  pollMs: 250,
};

/**
 * A subscription leased by this instance: no other delivers it until the lease ends. Renewed while it is
 * delivered, so that an attempt may take its whole time limit; a process that died holds it this long at most.
 */
const LEASE_SECONDS = 15;
const RENEW_MS = 5_000;
/** One lease delivers for at most this long before it lets others (and other subscriptions) have a turn. */
const TURN_MS = 20_000;
/** Messages read at once: each is still delivered, and its cursor moved, one after another. */
const BATCH = 100;
/** Delivered messages noted (and the cursors moved past them) in one statement. */
const NOTED_TOGETHER = 20;
/** The most of a receiver's answer kept with the attempt. */
const ANSWER_KEPT = 1024;

interface Leased {
  id: string;
  url: string;
  event_types: string[];
  agency_ids: string[];
  sealed_secret: string;
  ledger_cursor: string;
  change_cursor: string;
  failures: number;
  /** When the message at the cursors first failed, in milliseconds since the epoch. */
  failing_since: number | null;
}

interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  response: string | null;
  durationMs: number;
}

/**
 * Delivers every subscription's messages (src/interconnect/webhooks/messages.ts), each in order and at least
 * once: the cursor moves only past messages the receiver answered 2xx, in a statement that checks this
 * instance still holds the subscription's lease. A process killed between the answers and that statement
 * delivers those messages again after its restart, with the same webhook-ids. A failure is retried with
 * exponential back-off; after a day of failures the subscription is paused and an alert raised.
 */
export class WebhookDeliverer {
  private readonly owner = `${process.pid}-${randomUUID()}`;
  private readonly sql: Sql;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly sealer: Sealer,
    private readonly settings: DeliverySettings,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {
    this.sql = pooledSql(orm);
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.settings.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for messages now (or as soon as the current round ends). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverDue()
      .catch((err: unknown) =>
        // While the database is away nothing can be delivered nor lost: the next round tries again.
        databaseUnavailable(err)
          ? this.logger.warn({ err: { message: (err as Error).message } }, 'webhook delivery waits for the database')
          : this.logger.error({ err }, 'webhook delivery failed'),
      )
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Delivers what is due of every subscription this instance can lease; resolves when none is left. */
  async deliverDue(): Promise<void> {
    for (let leased = await this.lease(); leased && !this.stopped; leased = await this.lease()) {
      const renew = setInterval(
        () =>
          void this.sql
            .execute(
              `update webhook_subscriptions set lease_until = now() + make_interval(secs => ?) where id = ? and lease_owner = ?`,
              [LEASE_SECONDS, leased!.id, this.owner],
            )
            .catch((err: unknown) => this.logger.warn({ err }, 'a webhook lease could not be renewed')),
        RENEW_MS,
      );
      try {
        await this.deliver(leased);
      } finally {
        clearInterval(renew);
        await this.sql.execute(
          `update webhook_subscriptions set lease_owner = null, lease_until = null where id = ? and lease_owner = ?`,
          [leased.id, this.owner],
        );
      }
    }
  }

  /** The subscription most overdue that has something new and that no other instance holds, leased. */
  private async lease(): Promise<Leased | null> {
    const [row] = await this.sql.execute<Leased[]>(
      `update webhook_subscriptions s set lease_owner = ?, lease_until = now() + make_interval(secs => ?)
        where s.id = (
          select id from webhook_subscriptions
           where status = 'active' and next_attempt_at <= now() and (lease_until is null or lease_until < now())
             and (ledger_cursor < (select size from ledger_head) - 1
                  or change_cursor < coalesce((select max(id) from changes), 0))
           order by next_attempt_at limit 1 for update skip locked)
        returning s.id, s.url, s.event_types, s.agency_ids::text[] as agency_ids, s.sealed_secret,
                  s.ledger_cursor::text, s.change_cursor::text, s.failures,
                  (extract(epoch from s.failing_since) * 1000)::float8 as failing_since`,
      [this.owner, LEASE_SECONDS],
    );
    return row ?? null;
  }

  private async deliver(sub: Leased): Promise<void> {
    const secret = this.sealer.open(sub.sealed_secret);
    const reader = {
      ledgerCursor: Number(sub.ledger_cursor),
      changeCursor: Number(sub.change_cursor),
      eventTypes: sub.event_types,
      agencyIds: sub.agency_ids,
    };
    const turnEnds = Date.now() + TURN_MS;
    while (!this.stopped && Date.now() < turnEnds) {
      const { messages, passed } = await nextMessages(this.sql, reader, { publicUrl: this.settings.publicUrl }, BATCH);
      if (passed.ledger !== undefined) reader.ledgerCursor = passed.ledger;
      if (passed.change !== undefined) reader.changeCursor = passed.change;
      if (!messages.length) {
        if (passed.ledger === undefined && passed.change === undefined) return;
        if (!(await this.moveCursors(sub.id, reader))) return;
        continue;
      }
      // Delivered messages are noted, and the cursors moved past them, a few at a time: a process killed
      // before it noted them delivers them again after its restart, with the same webhook-ids.
      const delivered: { message: Message; outcome: Outcome }[] = [];
      const note = async () => {
        const held = await this.moveCursors(sub.id, reader, delivered.splice(0));
        if (held) [sub.failures, sub.failing_since] = [0, null];
        return held;
      };
      for (const message of messages) {
        const outcome = await this.post(sub.url, secret, message);
        if (!outcome.ok) {
          if (delivered.length && !(await note())) return;
          await this.failed(sub, message, outcome);
          return;
        }
        if ('ledger' in message.cursor) reader.ledgerCursor = message.cursor.ledger;
        else reader.changeCursor = message.cursor.change;
        delivered.push({ message, outcome });
        if (delivered.length === NOTED_TOGETHER && !(await note())) return;
      }
      if (delivered.length && !(await note())) return;
    }
  }

  /**
   * Moves the cursors past messages delivered (noting their attempts, and ending a run of failures) or past
   * what the subscription does not cover; false when this instance no longer holds the lease (then nothing
   * is written: another instance delivers, and notes its own attempts).
   */
  private async moveCursors(
    id: string,
    reader: { ledgerCursor: number; changeCursor: number },
    delivered: { message: Message; outcome: Outcome }[] = [],
  ): Promise<boolean> {
    const ended = delivered.length ? ', failures = 0, failing_since = null, next_attempt_at = now()' : '';
    const move = `update webhook_subscriptions
          set ledger_cursor = ?, change_cursor = ?, lease_until = now() + make_interval(secs => ?)${ended}
        where id = ? and lease_owner = ? and status = 'active' returning id`;
    const params = [reader.ledgerCursor, reader.changeCursor, LEASE_SECONDS, id, this.owner];
    if (!delivered.length) return (await this.sql.execute<{ id: string }[]>(move, params)).length === 1;
    // One round trip for both.
    const attempts = JSON.stringify(
      delivered.map(({ message, outcome }) => ({
        message_id: message.id,
        event_type: message.type,
        duration_ms: outcome.durationMs,
        status: outcome.status,
        response: outcome.response,
      })),
    );
    const [row] = await this.sql.execute<{ moved: boolean }[]>(
      `with moved as (${move}),
            noted as (insert into webhook_attempts (subscription_id, message_id, event_type, duration_ms, status, response)
                      select ?, a.message_id, a.event_type, a.duration_ms, a.status, a.response
                        from jsonb_to_recordset(?::jsonb) as a (message_id text, event_type text, duration_ms int,
                             status int, response text)
                       where exists (select 1 from moved))
       select exists (select 1 from moved) as moved`,
      [...params, id, attempts],
    );
    return row!.moved;
  }

  /** Forgets the attempts older than a month: kept to read what a receiver answered, not as a record. */
  async prune(): Promise<number> {
    const [gone] = await this.sql.execute<{ n: string }[]>(
      `with gone as (delete from webhook_attempts where attempted_at < now() - interval '30 days' returning 1)
       select count(*)::text as n from gone`,
    );
    return Number(gone?.n ?? 0);
  }

  private async failed(sub: Leased, message: Message, outcome: Outcome): Promise<void> {
    await this.sql.execute(
      `insert into webhook_attempts (subscription_id, message_id, event_type, duration_ms, status, error, response)
       values (?, ?, ?, ?, ?, ?, ?)`,
      [sub.id, message.id, message.type, outcome.durationMs, outcome.status, outcome.error, outcome.response],
    );
    const failures = sub.failures + 1;
    const since = new Date(sub.failing_since ?? Date.now());
    const wait = Math.min(this.settings.maxBackoffMs, this.settings.firstBackoffMs * 2 ** (failures - 1));
    const giveUp = Date.now() + wait - since.getTime() > this.settings.giveUpAfterMs;
    const why = outcome.error ?? `HTTP ${outcome.status}`;
    if (!giveUp) {
      await this.sql.execute(
        `update webhook_subscriptions set failures = ?, failing_since = ?, next_attempt_at = now() + make_interval(secs => ?)
          where id = ? and lease_owner = ?`,
        [failures, since, wait / 1000, sub.id, this.owner],
      );
      this.logger.warn({ subscription: sub.id, message: message.id, failures, why }, 'webhook delivery failed');
      return;
    }
    const reason = `message ${message.id} failed ${failures} times since ${since.toISOString()} (last: ${why})`;
    await this.orm.em.fork().transactional(async (tx) => {
      const paused = await tx.execute<{ id: string }[]>(
        `update webhook_subscriptions set status = 'paused', paused_reason = ?, failures = ?, failing_since = ?,
                updated_at = now()
          where id = ? and lease_owner = ? and status = 'active' returning id`,
        [reason, failures, since, sub.id, this.owner],
      );
      if (paused.length)
        await tx.execute(`insert into alerts (id, kind, message) values (?, 'webhook_paused', ?)`, [
          randomUUID(),
          `webhook ${sub.url} paused: ${reason}; resume it when its receiver answers again`,
        ]);
    });
    this.logger.error({ subscription: sub.id, message: message.id, failures, why }, 'webhook subscription paused');
  }

  /** One attempt: POSTed, signed, with a timeout, redirects not followed, to an address outside the centre. */
  private post(url: string, secret: string, message: Message): Promise<Outcome> {
    const started = performance.now();
    const done = (outcome: Omit<Outcome, 'durationMs'>): Outcome => ({
      ...outcome,
      durationMs: Math.round(performance.now() - started),
    });
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!this.settings.allowInternal && net.isIP(host) && isInternalAddress(host)) {
      return Promise.resolve(
        done({ ok: false, status: null, error: `${host} is inside the centre's network`, response: null }),
      );
    }
    const body = Buffer.from(message.body);
    return new Promise((resolve) => {
      const request = (target.protocol === 'https:' ? https : http).request(target, {
        method: 'POST',
        lookup: guardedLookup(this.settings.allowInternal),
        timeout: this.settings.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'user-agent': 'Custody-Webhooks/1',
          ...signedHeaders(secret, message.id, message.body),
        },
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer in ${this.settings.timeoutMs} ms`)),
        this.settings.timeoutMs,
      );
      request.on('timeout', () => request.destroy(new Error(`no answer in ${this.settings.timeoutMs} ms`)));
      request.on('error', (err) => {
        clearTimeout(timer);
        resolve(done({ ok: false, status: null, error: err.message, response: null }));
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const kept: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < ANSWER_KEPT) kept.push(chunk.subarray(0, ANSWER_KEPT - size));
          size += chunk.length;
        });
        const finish = () => {
          clearTimeout(timer);
          resolve(
            done({
              ok: status >= 200 && status < 300,
              status,
              // A redirect is an answer, not a new address: followed, it could lead inside the centre.
              error:
                status >= 300 && status < 400
                  ? `redirected to ${response.headers.location ?? '?'}; not followed`
                  : null,
              response: Buffer.concat(kept).toString('utf8'),
            }),
          );
        };
        response.on('end', finish);
        response.on('error', finish);
      });
      request.end(body);
    });
  }
}
