import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ItemState } from './projection';
import { ItemReplay, type StoredFacts } from './replay';

const HASH = 32;

/** One worker's share of a batch, as columns (a Buffer of 32-byte hashes rather than one Buffer per row). */
export interface ReplayBatch {
  canonical: string[];
  itemId: string[];
  itemSeq: number[];
  leafHash: Uint8Array;
  prevItemHash: Uint8Array;
  hasPrev: boolean[];
}

export interface ReplayReply {
  /** The leaf hash of each event up to the failure, 32 bytes each. */
  leaves: Uint8Array;
  failure: { at: number; reason: string } | null;
}

export interface BatchOutcome {
  /** Each event's leaf hash, in the order given, for every event before the first failure. */
  leaves: Buffer[];
  /** The first event (by its place in the batch) that does not fit, and why. */
  failure: { at: number; reason: string } | null;
}

// tsx compiles the worker's TypeScript; registered in the worker itself, so it runs the same under
// `npm start`, jest and node.
const WORKER_SOURCE = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(path.join(__dirname, 'replay-worker.ts'))});`;

/**
 * ItemReplay spread over worker threads: each item belongs to one worker (by its id), which replays that
 * item's events in order. The caller keeps what needs the global order: the index and the Merkle tree.
 */
export class ParallelItemReplay implements ItemReplayer {
  private readonly workers: Worker[];
  /** Per worker, the answers awaited, in the order asked (a worker answers its messages in order). */
  private readonly waiting: { resolve(value: unknown): void; reject(err: unknown): void }[][];
  private failed: Error | null = null;

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true, execArgv: [] }));
    this.waiting = this.workers.map(() => []);
    this.workers.forEach((worker, w) => {
      worker.on('message', (message) => this.waiting[w]!.shift()?.resolve(message));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => this.fail(new Error(`a verification worker stopped (exit code ${code})`)));
    });
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const queue of this.waiting) for (const waiter of queue.splice(0)) waiter.reject(err);
  }

  private ask<T>(w: number, message: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting[w]!.push({ resolve: resolve as (value: unknown) => void, reject });
      this.workers[w]!.postMessage(message, transfer);
    });
  }

  private workerOf(itemId: string): number {
    return parseInt(itemId.slice(0, 8), 16) % this.workers.length;
  }

  /** Replays a batch of events in order; resolves with their leaf hashes once every worker has done its part. */
  async add(events: { canonical: string; row: StoredFacts }[]): Promise<BatchOutcome> {
    const places: number[][] = this.workers.map(() => []);
    events.forEach((event, i) => places[this.workerOf(event.row.itemId)]!.push(i));
    const replies = await Promise.all(
      places.map((mine, w) => {
        const leafHash = new ArrayBuffer(mine.length * HASH);
        const prevItemHash = new ArrayBuffer(mine.length * HASH);
        const batch: ReplayBatch = {
          canonical: mine.map((i) => events[i]!.canonical),
          itemId: mine.map((i) => events[i]!.row.itemId),
          itemSeq: mine.map((i) => events[i]!.row.itemSeq),
          leafHash: new Uint8Array(leafHash),
          prevItemHash: new Uint8Array(prevItemHash),
          hasPrev: mine.map((i) => events[i]!.row.prevItemHash !== null),
        };
        mine.forEach((i, k) => {
          const { leafHash: leaf, prevItemHash: prev } = events[i]!.row;
          batch.leafHash.set(leaf.subarray(0, HASH), k * HASH);
          if (prev) batch.prevItemHash.set(prev.subarray(0, HASH), k * HASH);
        });
        return this.ask<ReplayReply>(w, batch, [leafHash, prevItemHash]);
      }),
    );
    // Each part's leaves back in the batch's order; the batch fails at the earliest of the parts' failures.
    const leaves: Buffer[] = new Array(events.length);
    let failure: BatchOutcome['failure'] = null;
    for (const [w, { leaves: bytes, failure: failed }] of replies.entries()) {
      const mine = places[w]!;
      const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let k = 0; k < (failed ? failed.at : mine.length); k++) leaves[mine[k]!] = all.subarray(k * HASH, (k + 1) * HASH);
      if (failed && (!failure || mine[failed.at]! < failure.at)) failure = { at: mine[failed.at]!, reason: failed.reason };
    }
    return { leaves, failure };
  }

  /** Every item's replayed state. */
  async states(): Promise<Map<string, ItemState>> {
    const parts = await Promise.all(this.workers.map((_, w) => this.ask<[string, ItemState][]>(w, 'states')));
    return new Map(parts.flat());
  }

  async close(): Promise<void> {
    this.failed ??= new Error('closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** The per-item checks of a whole-ledger verification, in this thread or spread over workers. */
export interface ItemReplayer {
  add(events: { canonical: string; row: StoredFacts }[]): Promise<BatchOutcome>;
  states(): Promise<Map<string, ItemState>>;
  close(): Promise<void>;
}

class InThreadItemReplay implements ItemReplayer {
  private readonly replay = new ItemReplay();

  async add(events: { canonical: string; row: StoredFacts }[]): Promise<BatchOutcome> {
    const leaves: Buffer[] = [];
    for (const [at, event] of events.entries()) {
      const leaf = this.replay.add(event.canonical, event.row);
      if (typeof leaf === 'string') return { leaves, failure: { at, reason: leaf } };
      leaves.push(leaf);
    }
    return { leaves, failure: null };
  }

  async states(): Promise<Map<string, ItemState>> {
    return this.replay.items;
  }

  async close(): Promise<void> {}
}

/** `threads` workers, or this thread alone when 0. */
export const itemReplayer = (threads: number): ItemReplayer => (threads > 0 ? new ParallelItemReplay(threads) : new InThreadItemReplay());
