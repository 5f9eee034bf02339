import type { Json } from './canonical-json';
import { canonicalJson } from './canonical-json';
import { ENVELOPE_VERSION, normalizeText, type Envelope, type EventType } from './events';
import type { PhysicalState } from '../items/item-kinds';
import { leafHash } from './merkle';
import { project, type ItemState } from '../items/projection';
import { arrayLiteral, type Sql } from '../sql';

/**
 * The only writer of custody events. Every command calls `appendEvents` inside its transaction, after it
 * has locked the items it changes; the append
 *  - builds each event's envelope and chains it to the item's previous event (itemSeq, prevItemHash),
 *  - updates the items rows through the projection and then, in the same statement
 *    (custody_ledger_append), locks the single head row, so global indices are gap-free and in commit
 *    order, extends the RFC 6962 tree by its frontier (O(log n) hashes per event), inserts the events and
 *    moves the head.
 * The head is locked last and held only until COMMIT, which keeps the serialized part short.
 */

export interface Actor {
  id: string;
  agencyId: string;
}

/**
 * Where a command came from when a device sent it: the device, the time its own clock claims, when the
 * server received the message (by the server's clock), and whether the device says it was buffered.
 */
export interface DeviceOrigin {
  device: string;
  deviceTime: string;
  receivedAt: string;
  replayed: boolean;
}

export interface EventDraft {
  /** The item before the event; null for its registration. */
  item: ItemState | null;
  /** Required when `item` is null. */
  itemId?: string;
  type: EventType;
  actor: Actor | null;
  device?: string | null;
  to: PhysicalState;
  location?: string | null;
  requestId?: string | null;
  occurredAt?: string;
  payload: { [key: string]: Json | undefined };
}

export interface AppendedEvent {
  index: number;
  envelope: Envelope;
  leafHash: string;
  state: ItemState;
}

/** items columns and the ItemState keys they hold, in one place for writing and reading. */
export const ITEM_COLUMNS: [keyof ItemState, string][] = [
  ['id', 'id'],
  ['code', 'code'],
  ['caseId', 'case_id'],
  ['itemNo', 'item_no'],
  ['category', 'category'],
  ['description', 'description'],
  ['quantity', 'quantity'],
  ['unit', 'unit'],
  ['weightGrams', 'weight_grams'],
  ['amount', 'amount'],
  ['currency', 'currency'],
  ['serialNumber', 'serial_number'],
  ['sealNumber', 'seal_number'],
  ['seizedAt', 'seized_at'],
  ['seizedFrom', 'seized_from'],
  ['seizedPlace', 'seized_place'],
  ['seizedBy', 'seized_by'],
  ['reviewDate', 'review_date'],
  ['legalHold', 'legal_hold'],
  ['holdReason', 'hold_reason'],
  ['state', 'state'],
  ['owningAgencyId', 'owning_agency_id'],
  ['heldByAgencyIds', 'held_by_agency_ids'],
  ['locationId', 'location_id'],
  ['holderUserId', 'holder_user_id'],
  ['holderName', 'holder_name'],
  ['loanRequestId', 'loan_request_id'],
  ['loanDueAt', 'loan_due_at'],
  ['disposalMethod', 'disposal_method'],
  ['correctors', 'correctors'],
  ['labelPrints', 'label_prints'],
  ['lastSeq', 'last_seq'],
  ['lastHash', 'last_hash'],
  ['lastEventAt', 'last_event_at'],
];
const TIMESTAMP_COLUMNS = new Set(['seized_at', 'loan_due_at', 'last_event_at']);
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A select list that reads an items row back exactly as the ledger's strings. */
export const ITEM_SELECT = ITEM_COLUMNS.map(([key, column]) => {
  if (TIMESTAMP_COLUMNS.has(column)) return `${iso(`i.${column}`)} as "${key}"`;
  if (column === 'review_date') return `to_char(i.review_date, 'YYYY-MM-DD') as "${key}"`;
  if (column === 'last_hash') return `encode(i.last_hash, 'hex') as "${key}"`;
  if (column === 'held_by_agency_ids' || column === 'correctors') return `i.${column}::text[] as "${key}"`;
  return `i.${column} as "${key}"`;
}).join(', ');

type Row = Record<string, unknown>;
export function rowToState(row: Row): ItemState {
  return row as unknown as ItemState;
}

/**
 * The upsert of the items rows from new states, given as one JSON array of rows: one text whatever the
 * number of items, so that it is prepared once per connection (see pgSql).
 */
const ITEMS_UPSERT = (() => {
  const columns = ITEM_COLUMNS.map(([, c]) => c).join(', ');
  const updates = ITEM_COLUMNS.filter(([, c]) => c !== 'id').map(([, c]) => `${c} = excluded.${c}`);
  return `insert into items (${columns}) select ${columns} from jsonb_populate_recordset(null::items, ?::jsonb)
          on conflict (id) do update set ${updates.join(', ')}`;
})();

function itemRows(states: ItemState[]): string {
  return JSON.stringify(
    states.map((state) =>
      Object.fromEntries(
        ITEM_COLUMNS.map(([key, column]) => [
          column,
          key === 'lastHash' && state.lastHash ? `\\x${state.lastHash}` : state[key],
        ]),
      ),
    ),
  );
}

/** The envelope of a draft recorded at `recordedAt`: also what bench/scale builds a centre's ledger with. */
export function buildEnvelope(draft: EventDraft, recordedAt: string): Envelope {
  const itemId = draft.item?.id ?? draft.itemId;
  if (!itemId) throw new Error('an event for a new item needs its itemId');
  const payload = Object.fromEntries(Object.entries(draft.payload).map(([k, v]) => [k, v === undefined ? null : v]));
  return normalizeText({
    v: ENVELOPE_VERSION,
    itemId,
    itemSeq: String((draft.item?.lastSeq ?? 0) + 1),
    prevItemHash: draft.item?.lastHash ?? null,
    type: draft.type,
    actor: draft.actor?.id ?? null,
    agency: draft.actor?.agencyId ?? null,
    device: draft.device ?? null,
    from: draft.item?.state ?? null,
    to: draft.to,
    location: draft.location === undefined ? (draft.item?.locationId ?? null) : draft.location,
    requestId: draft.requestId ?? null,
    occurredAt: draft.occurredAt ?? recordedAt,
    recordedAt,
    payload,
  } as unknown as Json) as unknown as Envelope;
}

// The append reads from the upsert's count, so the upsert has finished (and any wait of its is over)
// before the head row is locked.
const APPEND = `with written as (${ITEMS_UPSERT} returning 1)
  select custody_ledger_append(?::jsonb) as first from (select count(*) from written) as items_written`;

/**
 * Appends one event per draft, in order, within the caller's transaction. Two drafts may concern the
 * same item only if the second is built from the state the first returned; commands append one per item.
 */
export async function appendEvents(tx: Sql, drafts: EventDraft[]): Promise<AppendedEvent[]> {
  if (drafts.length === 0) return [];
  const recordedAt = new Date().toISOString();
  const built = drafts.map((draft) => {
    const envelope = buildEnvelope(draft, recordedAt);
    const canonical = canonicalJson(envelope as unknown as Json);
    const leaf = leafHash(canonical);
    return { envelope, canonical, leaf, state: project(draft.item, envelope, leaf.toString('hex')) };
  });
  const events = built.map(({ envelope: e, canonical, leaf }) => ({
    itemId: e.itemId,
    itemSeq: Number(e.itemSeq),
    type: e.type,
    actor: e.actor,
    agency: e.agency,
    requestId: e.requestId,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    canonical,
    leaf: leaf.toString('hex'),
    prev: e.prevItemHash,
  }));
  // One round trip: the items rows, then everything that holds the head row (custody_ledger_append).
  const [appended] = await tx.execute<{ first: string }[]>(APPEND, [
    itemRows(built.map((b) => b.state)),
    JSON.stringify(events),
  ]);
  const first = Number(appended!.first);
  return built.map((b, i) => ({
    index: first + i,
    envelope: b.envelope,
    leafHash: b.leaf.toString('hex'),
    state: b.state,
  }));
}

const LOCK_ITEMS = `select ${ITEM_SELECT} from items i where i.code = any (?::text[]) order by i.id for update`;

/** Locks and loads items by code (in a stable order, so concurrent commands cannot deadlock). */
export async function lockItems(tx: Sql, codes: string[]): Promise<ItemState[]> {
  if (codes.length === 0) return [];
  const rows = await tx.execute<Row[]>(LOCK_ITEMS, [arrayLiteral(codes)]);
  return rows.map(rowToState);
}
