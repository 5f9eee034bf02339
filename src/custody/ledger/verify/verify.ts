import os from 'node:os';
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { eventCopy, HASH } from './event-copy';
import { ITEM_COLUMNS, ITEM_SELECT } from '../append';
import { Frontier } from '../merkle';
import { ItemReplayer, type ChunkOutcome } from './parallel-replay';
import type { ItemState } from '../../items/projection';
import { pgSql, withPgConnection } from '../../sql';
import { openCheckpoint } from '../checkpoints';
import type { VerifierKey } from '../note';
import { StoredNodeCheck } from './stored-nodes';

/** A signed checkpoint must match the tree recomputed from the events at its size, and carry a valid signature. */
export function checkCheckpoint(
  checkpoint: { size: string; root: Buffer; note: string },
  root: Buffer,
  logKey: VerifierKey | undefined,
): string | null {
  if (!root.equals(checkpoint.root)) {
    return `the first ${checkpoint.size} events do not give the root of the checkpoint signed at that size: history was rewritten`;
  }
  if (!logKey) return null;
  try {
    const signed = openCheckpoint(checkpoint.note, logKey);
    return signed.size === Number(checkpoint.size) && signed.root.equals(root)
      ? null
      : `the checkpoint row of ${checkpoint.size} differs from its signed note`;
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
  /** The size of the signed checkpoint an incremental verification started from; null for a full one. */
  since: number | null;
  eventsChecked: number;
  /** What an incremental verification did not read again (src/custody/ledger/verify/incremental.ts). */
  notCovered: string | null;
  /** The last signed checkpoint the events matched: where the next incremental verification may start. */
  checkpoint: number | null;
  failure: VerifyFailure | null;
}

/** The first items row that differs from its item's replayed state (or a row missing or too many), or null. */
export function compareItemRows(rows: ItemState[], items: Map<string, ItemState>): VerifyFailure | null {
  if (rows.length !== items.size) {
    return { index: null, itemId: null, reason: `${rows.length} items rows for ${items.size} items in the ledger` };
  }
  for (const actual of rows) {
    const replayed = items.get(actual.id);
    const field = replayed
      ? (Object.keys(replayed) as (keyof ItemState)[]).find(
          (k) => JSON.stringify(replayed[k]) !== JSON.stringify(actual[k]),
        )
      : 'id';
    if (field) {
      return {
        index: null,
        itemId: actual.id,
        reason: `the items row of ${actual.code} differs from the ledger’s replay in ${field}`,
      };
    }
  }
  return null;
}

export interface VerifyOptions {
  /** The log's public key: every stored checkpoint must carry its valid signature and match the recomputed tree. */
  logKey?: VerifierKey;
  /** Told how many of the ledger's events have been checked, as chunks of them are. */
  onProgress?: (checked: number, total: number) => void;
  /**
   * Worker threads for the per-item checks (hashes, canonical form, chains, projection), each with a share
   * of the items beside this thread's own. By default one per core but this thread's, for a ledger of
   * PARALLEL_FROM events or more, where starting them pays off; none below.
   */
  threads?: number;
  /**
   * Read through this connection, within its transaction (one that changed rows, say), rather than in a
   * read-only transaction of its own on a connection borrowed from the pool.
   */
  connection?: pg.ClientBase;
  /** Events per COPY statement (BATCH by default). */
  batch?: number;
}

// A worker's start and its first events, run before its code is optimized, cost more than it saves on
// small ledgers (docs/benchmarks.md, "Why the code is shaped so").
const PARALLEL_FROM = 50_000;

/** Events per COPY: a failure found early leaves at most the rest of one to be read and dropped. */
const BATCH = 100_000;

/** Chunks handed to the replay and not yet merged: enough to keep it busy, few enough to bound memory. */
const IN_FLIGHT = 16;

/** The stream's chunks are handed to the replay this many bytes at a time: each message to a worker costs. */
const HAND_BYTES = 256 * 1024;

/** A chunk handed to the replay: its outcome to come, and its rows' leaf hashes. */
interface InFlight {
  outcome: Promise<ChunkOutcome>;
  leaves: Buffer;
}

/**
 * Recomputes the whole ledger from its rows: each leaf hash from the canonical JSON, each item's chain,
 * the gap-free global index, the Merkle root against the head and every signed checkpoint, and finally
 * every items row against a replay of its events. Stops at the first mismatch and names it. Reads one
 * snapshot (so commands may go on meanwhile) as a stream, so memory grows with the number of items, not
 * of events.
 */
export async function verifyLedger(em: EntityManager, options: VerifyOptions = {}): Promise<VerifyResult> {
  if (options.connection) return verifyOn(options.connection, options);
  return withPgConnection(em, async (client) => {
    await client.query('begin isolation level repeatable read read only');
    try {
      return await verifyOn(client, options);
    } finally {
      // Nothing was written; a connection that cannot even roll back is broken, and the pool drops it.
      await client.query('rollback').catch(() => undefined);
    }
  });
}

// On a bare connection, with the events read by COPY: the ORM's layers, and pg's parsing of each row,
// cost more than the checks.
async function verifyOn(
  client: pg.ClientBase,
  { logKey, threads, batch = BATCH, onProgress }: VerifyOptions,
): Promise<VerifyResult> {
  const sql = pgSql(client);
  const checkedAt = new Date().toISOString();
  const [head] = await sql.execute<{ size: string; frontier: Buffer; root: Buffer }[]>(
    'select size, frontier, root from ledger_head',
  );
  const headSize = Number(head!.size);
  const frontier = new Frontier();
  const replayer = new ItemReplayer(
    threads ?? (headSize >= PARALLEL_FROM ? os.availableParallelism() - 1 : 0),
    ITEM_COLUMNS.map(([key]) => key),
  );
  try {
    const checkpoints = await sql.execute<{ size: string; root: Buffer; note: string }[]>(
      'select size, root, note from checkpoints order by size',
    );
    const storedNodes = await StoredNodeCheck.load(sql);
    let nextCheckpoint = 0;
    let lastCheckpoint: number | null = null;
    const result = async (failure: VerifyFailure | null): Promise<VerifyResult> => ({
      ok: failure === null,
      size: frontier.size,
      root: frontier.root().toString('hex'),
      checkedAt,
      itemsChecked: await replayer.items(),
      since: null,
      eventsChecked: frontier.size,
      notCovered: null,
      checkpoint: lastCheckpoint,
      failure,
    });

    /** Extends the tree by a chunk's leaves in index order, with the checkpoints; the first failure, if any. */
    const merge = async ({ outcome, leaves }: InFlight): Promise<VerifyFailure | null> => {
      const { rows, failure } = await outcome;
      for (let at = 0; at < rows; at++) {
        if (failure?.at === at) return { index: failure.index, itemId: failure.itemId, reason: failure.reason };
        const leaf = leaves.subarray(at * HASH, (at + 1) * HASH);
        frontier.append(leaf, storedNodes.completed);
        const due = checkpoints[nextCheckpoint];
        if (due && Number(due.size) === frontier.size) {
          nextCheckpoint++;
          const bad = checkCheckpoint(due, frontier.root(), logKey);
          if (bad) return { index: frontier.size - 1, itemId: null, reason: bad };
          lastCheckpoint = frontier.size;
        }
      }
      onProgress?.(frontier.size, headSize);
      return null;
    };

    // The stream is read to its end whatever happens, so that the connection leaves the COPY cleanly; the
    // workers replay the chunks in flight while the next ones arrive.
    for (let after = -1; ; after = frontier.size - 1) {
      const copy = client.query(copyTo(eventCopy(after, batch)));
      const inFlight: InFlight[] = [];
      let stop: VerifyFailure | Error | null = null;
      let chunks: Buffer[] = [];
      let leaves: Buffer[] = [];
      let bytes = 0;
      const hand = () => {
        const handed = Buffer.concat(leaves);
        const outcome = replayer.hand(chunks, bytes, handed);
        [chunks, leaves, bytes] = [[], [], 0];
        outcome.catch(() => undefined);
        inFlight.push({ outcome, leaves: handed });
      };
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        if (stop) continue;
        chunks.push(chunk);
        leaves.push(replayer.read(chunk));
        bytes += chunk.length;
        if (bytes < HAND_BYTES) continue;
        hand();
        if (inFlight.length > IN_FLIGHT) stop = await merge(inFlight.shift()!).catch((err: Error) => err);
      }
      if (!stop && bytes > 0) hand();
      while (!stop && inFlight.length) stop = await merge(inFlight.shift()!).catch((err: Error) => err);
      if (stop instanceof Error) throw stop;
      if (stop) return await result(stop);
      // Every row read went into the tree, so the tree's size tells how many this COPY gave.
      if (frontier.size - (after + 1) < batch) break;
    }

    if (nextCheckpoint < checkpoints.length) {
      return await result({
        index: null,
        itemId: null,
        reason: `a checkpoint was signed at ${checkpoints[nextCheckpoint]!.size} events, the ledger holds ${frontier.size}: events were removed`,
      });
    }
    if (frontier.size !== headSize) {
      return await result({
        index: frontier.size,
        itemId: null,
        reason: `the head says ${headSize} events, the table holds ${frontier.size}`,
      });
    }
    if (!frontier.root().equals(head!.root) || !Buffer.concat(frontier.nodes).equals(head!.frontier)) {
      return await result({
        index: null,
        itemId: null,
        reason: 'the Merkle root recomputed from the events differs from the head’s',
      });
    }
    const wrongNode = storedNodes.failure();
    if (wrongNode) return await result(wrongNode);
    return await result(await checkItemRows(client, replayer));
  } finally {
    await replayer.close();
  }
}

/**
 * Every items row against the replay of its item, read in id order as COPY's text and checked by the share
 * that replayed the item (item-rows.ts): as compareItemRows compares, with no row and no state copied
 * from one thread to another. The stream is read to its end whatever happens, as the events' is.
 */
async function checkItemRows(client: pg.ClientBase, replayer: ItemReplayer): Promise<VerifyFailure | null> {
  const copy = client.query(copyTo(`copy (select ${ITEM_SELECT} from items i order by i.id) to stdout`));
  const inFlight: Promise<Error | null>[] = [];
  let error: Error | null = null;
  for await (const chunk of copy as AsyncIterable<Buffer>) {
    if (error) continue;
    inFlight.push(
      replayer.addItemRows(chunk).then(
        () => null,
        (err: Error) => err,
      ),
    );
    if (inFlight.length > IN_FLIGHT) error = await inFlight.shift()!;
  }
  for (const checked of inFlight) error ??= await checked;
  if (error) throw error;
  const { rows, items, mismatch } = await replayer.itemRows();
  if (rows !== items)
    return { index: null, itemId: null, reason: `${rows} items rows for ${items} items in the ledger` };
  if (!mismatch) return null;
  return {
    index: null,
    itemId: mismatch.itemId,
    reason: `the items row of ${mismatch.code} differs from the ledger’s replay in ${mismatch.field}`,
  };
}
