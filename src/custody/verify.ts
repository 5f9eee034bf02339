import type { EntityManager } from '@mikro-orm/postgresql';
import { ITEM_SELECT, rowToState } from './ledger';
import type { ItemState } from './projection';
import { LedgerReplay } from './replay';
import { openCheckpoint } from './checkpoints';
import type { VerifierKey } from './note';

/** A signed checkpoint must match the tree recomputed from the events at its size, and carry a valid signature. */
function checkCheckpoint(checkpoint: { size: string; root: Buffer; note: string }, root: Buffer, logKey: VerifierKey | undefined): string | null {
  if (!root.equals(checkpoint.root)) {
    return `the first ${checkpoint.size} events do not give the root of the checkpoint signed at that size: history was rewritten`;
  }
  if (!logKey) return null;
  try {
    const signed = openCheckpoint(checkpoint.note, logKey);
    return signed.size === Number(checkpoint.size) && signed.root.equals(root) ? null : `the checkpoint row of ${checkpoint.size} differs from its signed note`;
  } catch (err) {
    return `the checkpoint of ${checkpoint.size} events: ${(err as Error).message}`;
  }
}

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
export interface VerifyOptions {
  /** The log's public key: every stored checkpoint must carry its valid signature and match the recomputed tree. */
  logKey?: VerifierKey;
  onProgress?: (done: number, total: number) => void;
}

export async function verifyLedger(em: EntityManager, { logKey, onProgress }: VerifyOptions = {}): Promise<VerifyResult> {
  const checkedAt = new Date().toISOString();
  const [head] = await em.execute<{ size: string; frontier: Buffer; root: Buffer }[]>('select size, frontier, root from ledger_head');
  const headSize = Number(head!.size);
  const replay = new LedgerReplay();
  const { frontier, items } = replay;
  const checkpoints = await em.execute<{ size: string; root: Buffer; note: string }[]>('select size, root, note from checkpoints order by size');
  let nextCheckpoint = 0;
  const result = (failure: VerifyFailure | null): VerifyResult => ({
    ok: failure === null,
    size: frontier.size,
    root: frontier.root().toString('hex'),
    checkedAt,
    itemsChecked: items.size,
    failure,
  });

  const batchAfter = (after: number) =>
    em.execute<EventRow[]>(
      `select idx, item_id, item_seq, canonical, leaf_hash, prev_item_hash from ledger_events where idx > ? order by idx limit ?`,
      [after, BATCH],
    );
  // The next batch is read while this one is checked; a failure found first leaves it unread and unawaited.
  for (let pending = batchAfter(-1); ; ) {
    const rows = await pending;
    if (rows.length === 0) break;
    pending = batchAfter(Number(rows[rows.length - 1]!.idx));
    pending.catch(() => undefined);
    for (const row of rows) {
      const index = Number(row.idx);
      const stored = { itemId: row.item_id, itemSeq: row.item_seq, leafHash: row.leaf_hash, prevItemHash: row.prev_item_hash };
      const failure =
        replay.add({ index, canonical: row.canonical, row: stored }) ??
        (checkpoints[nextCheckpoint] && Number(checkpoints[nextCheckpoint]!.size) === frontier.size
          ? checkCheckpoint(checkpoints[nextCheckpoint++]!, frontier.root(), logKey)
          : null);
      if (failure) return result({ index, itemId: row.item_id, reason: failure });
    }
    onProgress?.(frontier.size, headSize);
  }

  if (nextCheckpoint < checkpoints.length) {
    return result({ index: null, itemId: null, reason: `a checkpoint was signed at ${checkpoints[nextCheckpoint]!.size} events, the ledger holds ${frontier.size}: events were removed` });
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
