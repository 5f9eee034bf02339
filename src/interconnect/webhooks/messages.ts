import { arrayLiteral, type Sql } from '../../custody/sql';
import { EVENT_TYPES } from '../../custody/ledger/events';

/** What a subscription may ask for: every ledger event type, and the changes of alerts and of requests. */
export const CHANGE_TYPES = ['alert.changed', 'request.changed'] as const;
export const WEBHOOK_EVENT_TYPES = [...EVENT_TYPES, ...CHANGE_TYPES] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How many ledger events or changes one read looks through for the next one a subscription covers. */
const WINDOW = 1000;

/** A message to deliver: its id is the same on every attempt and every instance. */
export interface Message {
  id: string;
  type: string;
  body: string;
  /** The cursor it moves on delivery, and where to. */
  cursor: { ledger: number } | { change: number };
}

export interface Reader {
  ledgerCursor: number;
  changeCursor: number;
  eventTypes: string[];
  agencyIds: string[];
}

type Timed = Message & { at: string };

/** Messages of one source within a window, oldest first, and whether the batch stopped at its limit. */
interface Batch {
  messages: Timed[];
  /** When no message is in the window: the cursor may pass to its end. */
  passTo: number | null;
  full: boolean;
}

const EMPTY: Batch = { messages: [], passTo: null, full: false };

/** The next ledger events the subscription covers within a window. */
async function nextEvents(sql: Sql, reader: Reader, last: number, publicUrl: string, limit: number): Promise<Batch> {
  if (reader.ledgerCursor >= last) return EMPTY;
  const types = reader.eventTypes.filter((t) => !(CHANGE_TYPES as readonly string[]).includes(t));
  if (!types.length) return { ...EMPTY, passTo: last };
  const until = Math.min(reader.ledgerCursor + WINDOW, last);
  const events = await sql.execute<{ idx: string; type: string; canonical: string; leaf: string; code: string }[]>(
    `select e.idx::text, e.type, e.canonical, encode(e.leaf_hash, 'hex') as leaf, i.code
       from ledger_events e join items i on i.id = e.item_id
      where e.idx > ? and e.idx <= ? and e.type = any (?::text[]) and i.held_by_agency_ids && ?::uuid[]
      order by e.idx limit ?`,
    [reader.ledgerCursor, until, arrayLiteral(types), arrayLiteral(reader.agencyIds), limit],
  );
  if (!events.length) return { ...EMPTY, passTo: until };
  const messages = events.map((event) => {
    const index = Number(event.idx);
    const envelope = JSON.parse(event.canonical) as { recordedAt: string };
    // The tree of the log as it is now holds the event: its proof there, and the tree's consistency with a
    // signed checkpoint, let a receiver check the event against the log instead of trusting the delivery.
    const proof = `${publicUrl}/api/v1/ledger/proof/inclusion?index=${index}&size=${last + 1}`;
    return {
      id: `ledger-${index}`,
      type: event.type,
      at: envelope.recordedAt,
      cursor: { ledger: index },
      body: JSON.stringify({
        type: event.type,
        timestamp: envelope.recordedAt,
        data: { index, leafHash: event.leaf, itemCode: event.code, canonical: event.canonical, event: envelope, proof },
      }),
    };
  });
  return { messages, passTo: null, full: events.length === limit };
}

/** The next changes of alerts and requests the subscription covers within a window. */
async function nextChanges(sql: Sql, reader: Reader, last: number, limit: number): Promise<Batch> {
  if (reader.changeCursor >= last) return EMPTY;
  const topics = reader.eventTypes
    .filter((t) => (CHANGE_TYPES as readonly string[]).includes(t))
    .map((t) => t.split('.')[0]!);
  if (!topics.length) return { ...EMPTY, passTo: last };
  const until = Math.min(reader.changeCursor + WINDOW, last);
  const changes = await sql.execute<{ id: string; topic: string; at: string; data: unknown }[]>(
    `select id::text, topic, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, data
       from changes where id > ? and id <= ? and topic = any (?::text[]) and agency_ids && ?::uuid[]
      order by id limit ?`,
    [reader.changeCursor, until, arrayLiteral(topics), arrayLiteral(reader.agencyIds), limit],
  );
  if (!changes.length) return { ...EMPTY, passTo: until };
  const messages = changes.map((change) => {
    const type = `${change.topic}.changed`;
    return {
      id: `change-${change.id}`,
      type,
      at: change.at,
      cursor: { change: Number(change.id) },
      body: JSON.stringify({ type, timestamp: change.at, data: change.data }),
    };
  });
  return { messages, passTo: null, full: changes.length === limit };
}

/**
 * The next messages a subscription covers (at most `limit`), and how far its cursors may pass over what it
 * does not cover. Ledger events come in ledger order and changes in theirs, merged by when they were
 * recorded, so that neither waits on the other; a source whose batch stopped at the limit bounds the
 * merge, since what it did not read may come before the other's later messages.
 */
export async function nextMessages(
  sql: Sql,
  reader: Reader,
  links: { publicUrl: string },
  limit: number,
): Promise<{ messages: Message[]; passed: { ledger?: number; change?: number } }> {
  const [head] = await sql.execute<{ size: string; changed: string }[]>(
    `select (select size from ledger_head)::text as size, coalesce((select max(id) from changes), 0)::text as changed`,
  );
  const events = await nextEvents(sql, reader, Number(head!.size) - 1, links.publicUrl, limit);
  const changes = await nextChanges(sql, reader, Number(head!.changed), limit);
  const horizon = [events, changes]
    .filter((batch) => batch.full)
    .map((batch) => batch.messages.at(-1)!.at)
    .sort()[0];
  // Each source's own order kept (a ledger event's time may be earlier than its predecessor's): a merge.
  const merged: Message[] = [];
  const [a, b] = [events.messages, changes.messages];
  for (let i = 0, j = 0; merged.length < limit && (i < a.length || j < b.length);) {
    const next = j >= b.length || (i < a.length && a[i]!.at <= b[j]!.at) ? a[i++]! : b[j++]!;
    if (merged.length > 0 && horizon !== undefined && next.at > horizon) break;
    const { at: _, ...message } = next;
    merged.push(message);
  }
  return {
    messages: merged,
    passed: {
      ...(events.passTo !== null ? { ledger: events.passTo } : {}),
      ...(changes.passTo !== null ? { change: changes.passTo } : {}),
    },
  };
}
