import type { ItemState } from '../../items/projection';
import type { ItemRowsOutcome } from './item-rows';
import type { ReplayMessage } from './replay-worker';
import { giveBack, takeWorkers, type ReplayWorker } from './replay-workers';
import { HASH, itemIdOf, LeafHasher } from './event-copy';
import { ShareReplay, type ChunkFailure, type Share, type ShareOutcome, type ShareRowsOutcome } from './share-replay';

/** What the rows that a chunk completes gave, all shares together: the first failure among them, if any. */
export type ChunkOutcome = ShareOutcome;

// This thread also reads the stream, hashes every event and builds the tree, about as much work as
// replaying the events (docs/benchmarks.md, "Why the code is shaped so"), so its share of the items is
// smaller than a worker's.
const OWN_WEIGHT = 1;
const WORKER_WEIGHT = 5;

/** The 256 first bytes of item ids split by weight: this thread's share first, then each worker's. */
function shares(workers: number): Share[] {
  const weights = [OWN_WEIGHT, ...Array<number>(workers).fill(WORKER_WEIGHT)];
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return weights.map((weight) => {
    const from = Math.round((256 * sum) / total);
    sum += weight;
    return { from, to: Math.round((256 * sum) / total) };
  });
}

/** The items rows against the replay, all shares together. */
export interface ItemRowsResult {
  rows: number;
  items: number;
  /** The first row (in id order) that differs from its item's replay, or names no item in the ledger. */
  mismatch: ItemRowsOutcome['mismatch'];
}

/**
 * The per-item checks of a whole-ledger verification, fed the COPY stream chunk by chunk: this thread
 * hashes every event, and the items are split into one share more than there are worker threads, this
 * thread replaying the first as it hashes and each worker one other, handed the chunks and their leaf
 * hashes a few at a time; their answers are merged in row order. The items rows are checked the same way,
 * each share its own, so that the states stay where they were replayed.
 */
export class ItemReplayer {
  private readonly own: ShareReplay;
  private readonly hasher = new LeafHasher();
  /** Rows read since the last hand, and the first of them that this thread's share found not to fit. */
  private sinceHand = { rows: 0, failure: null as ChunkFailure | null };
  private readonly workers: ReplayWorker[];

  constructor(workers: number, columns: (keyof ItemState)[]) {
    const [own, ...theirs] = shares(workers);
    this.own = new ShareReplay({ share: own!, columns });
    this.workers = takeWorkers(theirs.length);
    // Answered before anything asked after it; a failure shows in the next answer awaited.
    this.workers.forEach((worker, w) => worker.ask({ setup: { share: theirs[w]!, columns } }).catch(() => undefined));
  }

  /**
   * Asks every worker, each with copies of its own of `buffers` (handed over rather than cloned); the last
   * worker is handed `buffers` themselves where `mine` says this thread will not read them again and they
   * are buffers of their own.
   */
  private askAll<T>(
    message: (copies: Uint8Array[]) => ReplayMessage,
    buffers: Buffer[],
    mine: boolean[],
  ): Promise<T>[] {
    return this.workers.map((worker, w) => {
      const last = w === this.workers.length - 1;
      const copies = buffers.map((buffer, b) =>
        last && !mine[b] && buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength
          ? new Uint8Array(buffer.buffer)
          : new Uint8Array(buffer),
      );
      return worker.ask<T>(
        message(copies),
        copies.map((copy) => copy.buffer as ArrayBuffer),
      );
    });
  }

  /**
   * The leaf hashes of the rows that `chunk` completes (32 bytes each, in row order), this thread's share
   * of them replayed in the same pass.
   */
  read(chunk: Buffer): Buffer {
    const since = this.sinceHand;
    const first = since.rows;
    const leaves = this.hasher.add(chunk, (row, hashes, leaf, at) => {
      const reason = this.own.row(row, hashes, leaf);
      if (reason !== null) since.failure = { at: first + at, index: row.index, itemId: itemIdOf(row), reason };
    });
    since.rows += leaves.length / HASH;
    return leaves;
  }

  /**
   * Hands the chunks read since the last hand (`bytes` of them) to the workers, with their rows' leaf
   * hashes: the first of those rows that does not fit, if any.
   */
  async hand(chunks: Buffer[], bytes: number, leaves: Buffer): Promise<ChunkOutcome> {
    const own: ChunkOutcome = this.sinceHand;
    this.sinceHand = { rows: 0, failure: null };
    if (this.workers.length === 0) return own;
    // The chunks put together are a buffer of their own, read by nothing here any more: the last worker
    // is handed it rather than a copy. The leaf hashes still go into the tree.
    const asked = this.askAll<ShareOutcome>(
      ([events, hashes]) => ({ events: events!, leaves: hashes! }),
      [Buffer.concat(chunks, bytes), leaves],
      [false, true],
    );
    return [own, ...(await Promise.all(asked))].reduce((first, outcome) =>
      outcome.failure && (!first.failure || outcome.failure.at < first.failure.at) ? outcome : first,
    );
  }

  /** How many items have been replayed. */
  async items(): Promise<number> {
    const theirs = await Promise.all(this.workers.map((worker) => worker.ask<number>('items')));
    return theirs.reduce((a, b) => a + b, this.own.items);
  }

  /** Checks the items rows whose lines (COPY's text of ITEM_SELECT, in id order) `chunk` completes. */
  async addItemRows(chunk: Buffer): Promise<void> {
    const asked = this.askAll<null>(([rows]) => ({ itemRows: rows! }), [chunk], [true]);
    this.own.addItemRows(chunk);
    await Promise.all(asked);
  }

  /** Once every items row is in: how many, how many items the ledger gave, and the first row that differs. */
  async itemRows(): Promise<ItemRowsResult> {
    const theirs = await Promise.all(this.workers.map((worker) => worker.ask<ShareRowsOutcome>('item rows')));
    const outcomes = [this.own.itemRows(), ...theirs];
    const mismatches = outcomes.flatMap((o) => (o.mismatch ? [o.mismatch] : []));
    return {
      rows: outcomes[0]!.rows,
      items: outcomes.reduce((n, o) => n + o.items, 0),
      // Each share's rows are in id order, and uuids as text sort as PostgreSQL sorts them.
      mismatch: mismatches.sort((a, b) => (a.itemId < b.itemId ? -1 : 1))[0] ?? null,
    };
  }

  /** Gives the workers back, to be kept for the next verification. */
  async close(): Promise<void> {
    await giveBack(this.workers);
  }
}
