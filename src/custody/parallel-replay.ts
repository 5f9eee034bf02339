import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EventCopyReader } from './event-copy';
import type { ItemState } from './projection';
import { ItemReplay, missingIndex } from './replay';

const HASH = 32;

/** The first event that does not fit: its place among the rows of its chunk, its index and item, and why. */
export interface ChunkFailure {
  at: number;
  index: number;
  itemId: string;
  reason: string;
}

/** What one share of the items made of the rows that a chunk completes. */
export interface ShareOutcome {
  /** How many rows the chunk completes: every share counts them all. */
  rows: number;
  /** The places, among those rows, of this share's events, up to its first failure. */
  places: number[];
  /** Their leaf hashes, in the same order. */
  leaves: Buffer[];
  failure: ChunkFailure | null;
}

/** A worker's ShareOutcome as sent to the main thread: the leaves as one buffer, 32 bytes each. */
interface PackedShareOutcome {
  rows: number;
  places: Uint32Array;
  leaves: Uint8Array;
  failure: ChunkFailure | null;
}

/** What the rows that a chunk completes gave, all shares together. */
export interface ChunkOutcome {
  rows: number;
  /** Each row's leaf hash, in row order, for every row before the failure. */
  leaves: Buffer[];
  failure: ChunkFailure | null;
}

/**
 * One share of the items (those whose id's first byte is `share` modulo `shares`), replayed from the COPY
 * stream of the ledger's events in index order: ItemReplay's checks of each of their events, and for every
 * row, its own or not, that its global index is the next one. Items are replayed apart, so the shares can
 * run in separate threads, each reading the whole stream.
 */
export class ShareReplay {
  readonly replay = new ItemReplay();
  private readonly reader = new EventCopyReader();
  private nextIndex = 0;
  private failed = false;

  constructor(
    private readonly share: number,
    private readonly shares: number,
  ) {}

  /** Replays this share's events among the rows that `chunk` completes (and changes `chunk`'s bytes). */
  add(chunk: Buffer): ShareOutcome {
    const places: number[] = [];
    const leaves: Buffer[] = [];
    let rows = 0;
    let failure: ChunkFailure | null = null;
    const fail = (at: number, index: number, itemId: string, reason: string) => {
      failure = { at, index, itemId, reason };
      this.failed = true;
    };
    this.reader.read(
      chunk,
      (itemByte) => !this.failed && itemByte % this.shares === this.share,
      (index, event) => {
        const at = rows++;
        if (this.failed) return;
        if (index !== this.nextIndex) return fail(at, index, this.reader.itemId(), missingIndex(this.nextIndex, index));
        this.nextIndex++;
        if (!event) return;
        const leaf = this.replay.add(event.canonical, event, event.leaf);
        if (typeof leaf === 'string') return fail(at, index, event.itemId, leaf);
        places.push(at);
        leaves.push(leaf);
      },
    );
    return { rows, places, leaves, failure };
  }
}

/** A ShareOutcome in buffers of their own (not slices of Node's pool), to be handed over to another thread. */
export function packShareOutcome({ rows, places, leaves, failure }: ShareOutcome): PackedShareOutcome {
  const bytes = new Uint8Array(new ArrayBuffer(leaves.length * HASH));
  // Byte by byte: for 32 bytes, cheaper than a call into the runtime's copy.
  for (let k = 0; k < leaves.length; k++) for (let b = 0, leaf = leaves[k]!; b < HASH; b++) bytes[k * HASH + b] = leaf[b]!;
  return { rows, places: Uint32Array.from(places), leaves: bytes, failure };
}

/** The per-item checks of a whole-ledger verification, fed the COPY stream chunk by chunk. */
export interface ItemReplayer {
  add(chunk: Buffer): Promise<ChunkOutcome>;
  /** Every item's replayed state. */
  states(): Promise<Map<string, ItemState>>;
  close(): Promise<void>;
}

class InThreadItemReplay implements ItemReplayer {
  private readonly share = new ShareReplay(0, 1);

  async add(chunk: Buffer): Promise<ChunkOutcome> {
    return this.share.add(chunk);
  }

  async states(): Promise<Map<string, ItemState>> {
    return this.share.replay.items;
  }

  async close(): Promise<void> {}
}

// tsx compiles the worker's TypeScript; registered in the worker itself, so it runs the same under
// `npm start`, jest and node.
const WORKER_SOURCE = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(path.join(__dirname, 'replay-worker.ts'))});`;

/** ShareReplay in `count` worker threads, each given every chunk; their answers merged in row order. */
class ParallelItemReplay implements ItemReplayer {
  private readonly workers: Worker[];
  /** Per worker, the answers awaited, in the order asked (a worker answers its messages in order). */
  private readonly waiting: { resolve(value: unknown): void; reject(err: unknown): void }[][];
  private failed: Error | null = null;

  constructor(count: number) {
    this.workers = Array.from({ length: count }, (_, share) => new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { share, shares: count } }));
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

  async add(chunk: Buffer): Promise<ChunkOutcome> {
    // Each worker gets a copy of its own, handed over rather than cloned: it changes the bytes as it reads.
    const replies = await Promise.all(
      this.workers.map((_, w) => {
        const bytes = new Uint8Array(chunk);
        return this.ask<PackedShareOutcome>(w, bytes, [bytes.buffer]);
      }),
    );
    const rows = replies[0]!.rows;
    const leaves: Buffer[] = new Array(rows);
    let failure: ChunkFailure | null = null;
    for (const reply of replies) {
      const bytes = Buffer.from(reply.leaves.buffer, reply.leaves.byteOffset, reply.leaves.byteLength);
      reply.places.forEach((place, k) => (leaves[place] = bytes.subarray(k * HASH, (k + 1) * HASH)));
      if (reply.failure && (!failure || reply.failure.at < failure.at)) failure = reply.failure;
    }
    return { rows, leaves, failure };
  }

  async states(): Promise<Map<string, ItemState>> {
    const parts = await Promise.all(this.workers.map((_, w) => this.ask<[string, ItemState][]>(w, 'states')));
    return new Map(parts.flat());
  }

  async close(): Promise<void> {
    this.failed ??= new Error('closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** `threads` workers, or this thread alone when 0. */
export const itemReplayer = (threads: number): ItemReplayer => (threads > 0 ? new ParallelItemReplay(threads) : new InThreadItemReplay());
