import type { Sql } from '../../custody/sql';
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

type Next = Message & { at: string };

/** The next ledger event the subscription covers within a window, or how far it may pass over. */
async function nextEvent(sql: Sql, reader: Reader, last: number, publicUrl: string): Promise<Next | number | null> {
  if (reader.ledgerCursor >= last) return null;
  const types = reader.eventTypes.filter((t) => !(CHANGE_TYPES as readonly string[]).includes(t));
  const until = Math.min(reader.ledgerCursor + WINDOW, last);
  if (!types.length) return last;
  const [event] = await sql.execute<{ idx: string; type: string; canonical: string; leaf: string; code: string }[]>(
    `select e.idx::text, e.type, e.canonical, encode(e.leaf_hash, 'hex') as leaf, i.code
       from ledger_events e join items i on i.id = e.item_id
      where e.idx > ? and e.idx <= ? and e.type = any (?::text[]) and i.held_by_agency_ids && ?::uuid[]
      order by e.idx limit 1`,
    [reader.ledgerCursor, until, `{${types.join(',')}}`, `{${reader.agencyIds.join(',')}}`],
  );
  if (!event) return until;
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
}

/** The next change of an alert or a request the subscription covers within a window, or how far it may pass. */
async function nextChange(sql: Sql, reader: Reader, last: number): Promise<Next | number | null> {
  if (reader.changeCursor >= last) return null;
  const topics = reader.eventTypes
    .filter((t) => (CHANGE_TYPES as readonly string[]).includes(t))
    .map((t) => t.split('.')[0]!);
  const until = Math.min(reader.changeCursor + WINDOW, last);
  if (!topics.length) return last;
  const [change] = await sql.execute<{ id: string; topic: string; at: string; data: unknown }[]>(
    `select id::text, topic, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, data
       from changes where id > ? and id <= ? and topic = any (?::text[]) and agency_ids && ?::uuid[]
      order by id limit 1`,
    [reader.changeCursor, until, `{${topics.join(',')}}`, `{${reader.agencyIds.join(',')}}`],
  );
  if (!change) return until;
  const type = `${change.topic}.changed`;
  return {
    id: `change-${change.id}`,
    type,
    at: change.at,
    cursor: { change: Number(change.id) },
    body: JSON.stringify({ type, timestamp: change.at, data: change.data }),
  };
}

/**
 * The next message a subscription covers, or how far its cursors may pass over what it does not cover, or
 * null: nothing new. Ledger events come in ledger order and changes in theirs; of the next of each, the one
 * recorded first, so that neither waits on the other.
 */
export async function nextMessage(
  sql: Sql,
  reader: Reader,
  links: { publicUrl: string },
): Promise<Message | { passed: { ledger?: number; change?: number } } | null> {
  const [head] = await sql.execute<{ size: string; changed: string }[]>(
    `select (select size from ledger_head)::text as size, coalesce((select max(id) from changes), 0)::text as changed`,
  );
  const event = await nextEvent(sql, reader, Number(head!.size) - 1, links.publicUrl);
  const change = await nextChange(sql, reader, Number(head!.changed));
  if (typeof event === 'number' || typeof change === 'number') {
    return {
      passed: {
        ...(typeof event === 'number' ? { ledger: event } : {}),
        ...(typeof change === 'number' ? { change } : {}),
      },
    };
  }
  const next = event && change ? (event.at <= change.at ? event : change) : (event ?? change);
  if (!next) return null;
  const { at: _, ...message } = next;
  return message;
}
