import os from 'node:os';
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { ITEM_SELECT, rowToState } from './ledger';
import { Frontier } from './merkle';
import { itemReplayer, type BatchOutcome } from './parallel-replay';
import type { ItemState } from './projection';
import { missingIndex } from './replay';
import { pgSql, withPgConnection } from './sql';
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

const BATCH = 5000;

export interface VerifyOptions {
  /** The log's public key: every stored checkpoint must carry its valid signature and match the recomputed tree. */
  logKey?: VerifierKey;
  /**
   * Worker threads for the per-item checks (hashes, canonical form, chains, projection). By default one
   * per core for a ledger of PARALLEL_FROM events or more, where starting them pays off; none below.
   */
  threads?: number;
  /** Read through this connection (inside a transaction, say) rather than one borrowed from the pool. */
  connection?: pg.ClientBase;
}

// Measured on 2 cores: starting the workers costs about 150 ms, so they are slower at 20,000 events, even
// at 40,000, and 5–15% faster from 60,000.
const PARALLEL_FROM = 50_000;

/** An event row as pg gives it in array mode: idx, item_id, item_seq, canonical, leaf_hash, prev_item_hash. */
type EventRow = [string, string, number, string, Buffer, Buffer | null];

interface DispatchedBatch {
  rows: EventRow[];
  /** The place of the first row whose index is not the next one, or rows.length. */
  gapAt: number;
  outcome: Promise<BatchOutcome>;
}

/**
 * Recomputes the whole ledger from its rows: each leaf hash from the canonical JSON, each item's chain,
 * the gap-free global index, the Merkle root against the head, and finally every items row against a
 * replay of its events. Stops at the first mismatch and names it. Streams in batches, so memory grows
 * with the number of items, not of events.
 */
export async function verifyLedger(em: EntityManager, options: VerifyOptions = {}): Promise<VerifyResult> {
  return options.connection ? verifyOn(options.connection, options) : withPgConnection(em, (client) => verifyOn(client, options));
}

// On a bare connection and in array mode: the ORM's layers and an object per row cost more than the checks.
async function verifyOn(client: pg.ClientBase, { logKey, threads }: VerifyOptions): Promise<VerifyResult> {
  const sql = pgSql(client);
  const checkedAt = new Date().toISOString();
  const [head] = await sql.execute<{ size: string; frontier: Buffer; root: Buffer }[]>('select size, frontier, root from ledger_head');
  const headSize = Number(head!.size);
  const frontier = new Frontier();
  const replayer = itemReplayer(threads ?? (headSize >= PARALLEL_FROM ? os.availableParallelism() : 0));
  try {
    const checkpoints = await sql.execute<{ size: string; root: Buffer; note: string }[]>('select size, root, note from checkpoints order by size');
    let nextCheckpoint = 0;
    const result = async (failure: VerifyFailure | null): Promise<VerifyResult> => ({
      ok: failure === null,
      size: frontier.size,
      root: frontier.root().toString('hex'),
      checkedAt,
      itemsChecked: (await replayer.states()).size,
      failure,
    });

    /** Extends the tree by a batch's leaves in index order, with the checkpoints; the first failure, if any. */
    const merge = async ({ rows, gapAt, outcome }: DispatchedBatch): Promise<VerifyFailure | null> => {
      const { leaves, failure } = await outcome;
      for (const [i, row] of rows.entries()) {
        const [idx, itemId] = row;
        const index = Number(idx);
        if (i === gapAt) return { index, itemId, reason: missingIndex(frontier.size, index) };
        if (failure?.at === i) return { index, itemId, reason: failure.reason };
        frontier.append(leaves[i]!);
        const due = checkpoints[nextCheckpoint];
        const bad = due && Number(due.size) === frontier.size ? checkCheckpoint(checkpoints[nextCheckpoint++]!, frontier.root(), logKey) : null;
        if (bad) return { index, itemId, reason: bad };
      }
      return null;
    };

    const batchAfter = async (after: number) =>
      (
        await client.query<EventRow>({
          text: 'select idx, item_id, item_seq, canonical, leaf_hash, prev_item_hash from ledger_events where idx > $1 order by idx limit $2',
          values: [after, BATCH],
          rowMode: 'array',
        })
      ).rows;
    // Three things overlap: the next batch is read, this one is replayed (in workers, when there are), and
    // the previous one's leaves are added to the tree. A failure found first leaves the rest unawaited.
    let expected = 0;
    let previous: DispatchedBatch | null = null;
    for (let pending = batchAfter(-1); ; ) {
      const rows = await pending;
      let current: DispatchedBatch | null = null;
      if (rows.length) {
        pending = batchAfter(Number(rows[rows.length - 1]![0]));
        pending.catch(() => undefined);
        const gap = rows.findIndex(([idx], i) => Number(idx) !== expected + i);
        const gapAt = gap === -1 ? rows.length : gap;
        const events = rows.slice(0, gapAt).map(([, itemId, itemSeq, canonical, leafHash, prevItemHash]) => ({ canonical, row: { itemId, itemSeq, leafHash, prevItemHash } }));
        current = { rows, gapAt, outcome: replayer.add(events) };
        current.outcome.catch(() => undefined);
        expected += rows.length;
      }
      const failure = previous && (await merge(previous));
      if (failure) return await result(failure);
      if (!current) break;
      previous = current;
    }

    if (nextCheckpoint < checkpoints.length) {
      return await result({ index: null, itemId: null, reason: `a checkpoint was signed at ${checkpoints[nextCheckpoint]!.size} events, the ledger holds ${frontier.size}: events were removed` });
    }
    if (frontier.size !== headSize) {
      return await result({ index: frontier.size, itemId: null, reason: `the head says ${headSize} events, the table holds ${frontier.size}` });
    }
    if (!frontier.root().equals(head!.root) || !Buffer.concat(frontier.nodes).equals(head!.frontier)) {
      return await result({ index: null, itemId: null, reason: 'the Merkle root recomputed from the events differs from the head’s' });
    }
    const items = await replayer.states();
    const rows = await sql.execute<Record<string, unknown>[]>(`select ${ITEM_SELECT} from items i order by i.id`);
    if (rows.length !== items.size) {
      return await result({ index: null, itemId: null, reason: `${rows.length} items rows for ${items.size} items in the ledger` });
    }
    for (const row of rows) {
      const actual = rowToState(row);
      const replayed = items.get(actual.id);
      const field = replayed ? (Object.keys(replayed) as (keyof ItemState)[]).find((k) => JSON.stringify(replayed[k]) !== JSON.stringify(actual[k])) : 'id';
      if (field) {
        return await result({ index: null, itemId: actual.id, reason: `the items row of ${actual.code} differs from the ledger’s replay in ${field}` });
      }
    }
    return await result(null);
  } finally {
    await replayer.close();
  }
}
