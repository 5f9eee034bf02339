import type { Logger } from 'pino';
import { DatabaseListener } from '../database-listener';
import type { Sql } from '../custody/sql';
import { hasRole, seesAllItems, type Caller } from '../custody/directory/caller';

export const CHANGE_TOPICS = ['alert', 'request', 'scan', 'inventory', 'device'] as const;
export type ChangeTopic = (typeof CHANGE_TOPICS)[number];

/** A row of `changes` (migrations/Migration20261208100001Changes.ts): its id is the stream's event id. */
export interface Change {
  id: string;
  topic: ChangeTopic;
  agencyIds: string[];
  data: Record<string, unknown>;
}

/** Who is told of what: the centre's own roles of everything; anyone else of what concerns their agency. */
export function mayBeTold(caller: Caller, change: Change): boolean {
  if (seesAllItems(caller)) return true;
  if (!change.agencyIds.includes(caller.agencyId)) return false;
  // As the alerts list: approvers answer for their agency's items; officers and clerks have no alert list.
  return change.topic !== 'alert' || hasRole(caller, 'approver');
}

export interface ChangeSubscriber {
  change(change: Change): void;
  /** Notifications were lost (the listening connection dropped and is back): read what was missed. */
  gap(): void;
  /** The server is stopping. */
  closing(): void;
}

// A console away for longer than this starts again from what it reads, not from the changes it missed.
const KEPT = '1 day';
const REPLAY_LIMIT = 1000;

/**
 * The changes committed by any instance, heard through PostgreSQL (LISTEN, at COMMIT) and handed to this
 * process's change streams; and those since an id, read back from the table for a stream that resumes.
 */
export class ChangeFeed {
  private readonly subscribers = new Set<ChangeSubscriber>();
  private listener: DatabaseListener | null = null;
  private wasDown = false;

  constructor(private readonly sql: Sql) {}

  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  async watch(url: string, logger: Pick<Logger, 'info' | 'warn'>): Promise<void> {
    this.listener = new DatabaseListener(
      url,
      ['custody_changes'],
      {
        notification: (_channel, payload) => this.publish(JSON.parse(payload) as Change),
        up: () => {
          if (this.wasDown) this.subscribers.forEach((s) => s.gap());
          this.wasDown = false;
        },
        down: () => {
          this.wasDown = true;
        },
      },
      logger,
      'custody changes',
    );
    await this.listener.start();
  }

  subscribe(subscriber: ChangeSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => void this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * The changes after `afterId`, oldest first (at most REPLAY_LIMIT), or null when some of them may no
   * longer be kept: then the stream's reader must read afresh what it shows.
   */
  async since(afterId: string): Promise<Change[] | null> {
    const [bounds] = await this.sql.execute<{ first: string | null; last: string | null }[]>(
      `select (select min(id) from changes)::text as first,
              (select last_value from changes_id_seq where is_called)::text as last`,
    );
    const after = BigInt(afterId);
    if (bounds?.first === null || bounds?.first === undefined) {
      // Nothing kept: complete only if nothing happened after it.
      return after >= BigInt(bounds?.last ?? '0') ? [] : null;
    }
    if (after < BigInt(bounds.first) - 1n) return null;
    const rows = await this.sql.execute<Change[]>(
      `select id::text as id, topic, agency_ids as "agencyIds", data from changes where id > ? order by id limit ?`,
      [afterId, REPLAY_LIMIT + 1],
    );
    return rows.length > REPLAY_LIMIT ? null : rows;
  }

  /** The id a console that starts now would resume from. */
  async latest(): Promise<string> {
    const [row] = await this.sql.execute<{ id: string }[]>(
      `select coalesce((select max(id) from changes), (select last_value from changes_id_seq where is_called), 0)::text as id`,
    );
    return row!.id;
  }

  /** Forgets the changes older than a day. */
  async prune(): Promise<number> {
    const rows = await this.sql.execute<{ n: string }[]>(
      // What a webhook subscription has yet to deliver is kept until it has (src/interconnect/webhooks/).
      `with gone as (delete from changes where at < now() - interval '${KEPT}'
                        and id <= coalesce((select min(change_cursor) from webhook_subscriptions), id)
                      returning 1)
       select count(*)::text as n from gone`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    this.subscribers.forEach((s) => s.closing());
    await this.listener?.close();
  }

  private publish(change: Change): void {
    change.id = String(change.id);
    this.subscribers.forEach((s) => s.change(change));
  }
}
