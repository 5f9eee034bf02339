import type { EntityManager } from '@mikro-orm/postgresql';
import { canonicalJson, type Json } from './canonical-json';
import type { Envelope } from './events';
import { ITEM_SELECT, rowToState } from './ledger';
import { Frontier, leafHash } from './merkle';
import { project, type ItemState } from './projection';

export interface VerifyFailure {
  /** Global index of the first event that does not match, or null for a failure of the head or an items row. */
  index: number | null;
  itemId: string | null;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  size: number;
  root: string;
  checkedAt: string;
  itemsChecked: number;
  failure: VerifyFailure | null;
}

interface EventRow {
  idx: string;
  item_id: string;
  item_seq: number;
  canonical: string;
  leaf_hash: Buffer;
  prev_item_hash: Buffer | null;
}

const BATCH = 5000;

/**
 * Recomputes the whole ledger from its rows: each leaf hash from the canonical JSON, each item's chain,
 * the gap-free global index, the Merkle root against the head, and finally every items row against a
 * replay of its events. Stops at the first mismatch and names it. Streams in batches, so memory grows
 * with the number of items, not of events.
 */
export async function verifyLedger(em: EntityManager, onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
  const checkedAt = new Date().toISOString();
  const [head] = await em.execute<{ size: string; frontier: Buffer; root: Buffer }[]>('select size, frontier, root from ledger_head');
  const headSize = Number(head!.size);
  const frontier = new Frontier();
  const items = new Map<string, ItemState>();
  const result = (failure: VerifyFailure | null): VerifyResult => ({
    ok: failure === null,
    size: frontier.size,
    root: frontier.root().toString('hex'),
    checkedAt,
    itemsChecked: items.size,
    failure,
  });

  for (let after = -1; ; ) {
    const rows = await em.execute<EventRow[]>(
      `select idx, item_id, item_seq, canonical, leaf_hash, prev_item_hash from ledger_events where idx > ? order by idx limit ?`,
      [after, BATCH],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const index = Number(row.idx);
      const fail = (reason: string) => result({ index, itemId: row.item_id, reason });
      if (index !== frontier.size) return fail(`global index ${frontier.size} is missing: the next event has index ${index}`);
      const leaf = leafHash(row.canonical);
      if (!leaf.equals(row.leaf_hash)) return fail('the leaf hash does not match the event’s canonical JSON: the event was altered');
      let envelope: Envelope;
      try {
        envelope = JSON.parse(row.canonical) as Envelope;
      } catch {
        return fail('the event is not valid JSON');
      }
      if (canonicalJson(envelope as unknown as Json) !== row.canonical) return fail('the event is not in canonical form');
      if (envelope.itemId !== row.item_id || Number(envelope.itemSeq) !== row.item_seq) {
        return fail('the item or sequence number in the row differs from the signed envelope');
      }
      const previous = items.get(row.item_id) ?? null;
      const expectedSeq = (previous?.lastSeq ?? 0) + 1;
      if (row.item_seq !== expectedSeq) return fail(`item sequence ${row.item_seq} where ${expectedSeq} was expected`);
      const expectedPrev = previous?.lastHash ?? null;
      if (envelope.prevItemHash !== expectedPrev || (row.prev_item_hash?.toString('hex') ?? null) !== expectedPrev) {
        return fail('the event does not chain to the item’s previous event');
      }
      if (previous === null && envelope.type !== 'registered') return fail('the item’s first event is not its registration');
      items.set(row.item_id, project(previous, envelope, leaf.toString('hex')));
      frontier.append(leaf);
    }
    after = Number(rows[rows.length - 1]!.idx);
    onProgress?.(frontier.size, headSize);
  }

  if (frontier.size !== headSize) {
    return result({ index: frontier.size, itemId: null, reason: `the head says ${headSize} events, the table holds ${frontier.size}` });
  }
  if (!frontier.root().equals(head!.root) || !Buffer.concat(frontier.nodes).equals(head!.frontier)) {
    return result({ index: null, itemId: null, reason: 'the Merkle root recomputed from the events differs from the head’s' });
  }
  const rows = await em.execute<Record<string, unknown>[]>(`select ${ITEM_SELECT} from items i order by i.id`);
  if (rows.length !== items.size) {
    return result({ index: null, itemId: null, reason: `${rows.length} items rows for ${items.size} items in the ledger` });
  }
  for (const row of rows) {
    const actual = rowToState(row);
    const replayed = items.get(actual.id);
    const field = replayed ? (Object.keys(replayed) as (keyof ItemState)[]).find((k) => JSON.stringify(replayed[k]) !== JSON.stringify(actual[k])) : 'id';
    if (field) {
      return result({ index: null, itemId: actual.id, reason: `the items row of ${actual.code} differs from the ledger’s replay in ${field}` });
    }
  }
  return result(null);
}
