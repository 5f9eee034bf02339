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
  /** Their leaf hashes in hex, in the same order. */
  leaves: string[];
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

/** The items whose id's first byte (its first two hex digits) is at least `from` and below `to`. */
export interface Share {
  from: number;
  to: number;
}

/**
 * One share of the items, replayed from the COPY stream of the ledger's events in index order: ItemReplay's
 * checks of each of their events, and for every row, its own or not, that its global index is the next
 * one. Items are replayed apart, so the shares can run in separate threads, each reading the whole stream.
 */
export class ShareReplay {
  readonly replay = new ItemReplay();
  private readonly reader = new EventCopyReader();
  private nextIndex = 0;
  private failed = false;

  constructor(private readonly share: Share) {}

  /** Replays this share's events among the rows that `chunk` completes (and changes `chunk`'s bytes). */
  add(chunk: Buffer): ShareOutcome {
    const places: number[] = [];
    const leaves: string[] = [];
    let rows = 0;
    let failure: ChunkFailure | null = null;
    const fail = (at: number, index: number, itemId: string, reason: string) => {
      failure = { at, index, itemId, reason };
      this.failed = true;
    };
    this.reader.read(
      chunk,
      (itemByte) => !this.failed && itemByte >= this.share.from && itemByte < this.share.to,
      (index, event) => {
        const at = rows++;
        if (this.failed) return;
        if (index !== this.nextIndex) return fail(at, index, this.reader.itemId(), missingIndex(this.nextIndex, index));
        this.nextIndex++;
        if (!event) return;
        const failed = this.replay.add(event.canonical, event.leaf, event);
        if (failed) return fail(at, index, event.itemId, failed);
        places.push(at);
        leaves.push(event.leaf);
      },
    );
    return { rows, places, leaves, failure };
  }
}

/** A ShareOutcome in buffers of their own (not slices of Node's pool), to be handed over to another thread. */
export function packShareOutcome({ rows, places, leaves, failure }: ShareOutcome): PackedShareOutcome {
  const bytes = Buffer.from(new ArrayBuffer(leaves.length * HASH));
  leaves.forEach((leaf, k) => bytes.write(leaf, k * HASH, HASH, 'hex'));
  return { rows, places: Uint32Array.from(places), leaves: bytes, failure };
}

// tsx compiles the worker's TypeScript; registered in the worker itself, so it runs the same under
// `npm start`, jest and node.
const WORKER_SOURCE = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(path.join(__dirname, 'replay-worker.ts'))});`;

// This thread also merges the answers and builds the tree, which costs about a quarter of replaying the
// events (measured on 2 cores), so its share of the items is smaller than a worker's.
const OWN_WEIGHT = 2;
const WORKER_WEIGHT = 3;

/** The 256 first bytes of item ids split by weight: this thread's share first, then each worker's. */
function shares(workers: number): Share[] {
  const weights = [OWN_WEIGHT, ...Array<number>(workers).fill(WORKER_WEIGHT)];
  const total = weights.reduce((a, b) => a + b, 0);
  let from = 0;
  let sum = 0;
  return weights.map((weight) => {
    sum += weight;
    const to = Math.round((256 * sum) / total);
    const share = { from, to };
    from = to;
    return share;
  });
}

/**
 * The per-item checks of a whole-ledger verification, fed the COPY stream chunk by chunk. The items are
 * split into one share more than there are worker threads: this thread replays the first and each worker
 * one other, every one of them reading every chunk; their answers are merged in row order.
 */
export class ItemReplayer {
  private readonly own: ShareReplay;
  private readonly workers: Worker[];
  /** Per worker, the answers awaited, in the order asked (a worker answers its messages in order). */
  private readonly waiting: { resolve(value: unknown): void; reject(err: unknown): void }[][];
  private failed: Error | null = null;

  constructor(workers: number) {
    const [own, ...theirs] = shares(workers);
    this.own = new ShareReplay(own!);
    this.workers = theirs.map((share) => new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: share }));
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

  /** Replays the rows that `chunk` completes (and changes `chunk`'s bytes). */
  async add(chunk: Buffer): Promise<ChunkOutcome> {
    // The workers' copies first, handed over rather than cloned: each reader changes the bytes it reads.
    const asked = this.workers.map((_, w) => {
      const bytes = new Uint8Array(chunk);
      return this.ask<PackedShareOutcome>(w, bytes, [bytes.buffer]);
    });
    const own = this.own.add(chunk);
    const leaves: Buffer[] = new Array(own.rows);
    own.places.forEach((place, k) => (leaves[place] = Buffer.from(own.leaves[k]!, 'hex')));
    let failure = own.failure;
    for (const reply of asked.length ? await Promise.all(asked) : []) {
      const bytes = Buffer.from(reply.leaves.buffer, reply.leaves.byteOffset, reply.leaves.byteLength);
      reply.places.forEach((place, k) => (leaves[place] = bytes.subarray(k * HASH, (k + 1) * HASH)));
      if (reply.failure && (!failure || reply.failure.at < failure.at)) failure = reply.failure;
    }
    return { rows: own.rows, leaves, failure };
  }

  /** Every item's replayed state. */
  async states(): Promise<Map<string, ItemState>> {
    const parts = await Promise.all(this.workers.map((_, w) => this.ask<[string, ItemState][]>(w, 'states')));
    return new Map([...this.own.replay.items, ...parts.flat()]);
  }

  async close(): Promise<void> {
    this.failed ??= new Error('closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
