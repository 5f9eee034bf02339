import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { ItemState } from '../../items/projection';
import { HASH, ShareReplay, type ChunkFailure, type PackedShareOutcome, type Share } from './share-replay';

/** What the rows that a chunk completes gave, all shares together. */
export interface ChunkOutcome {
  rows: number;
  /** Each row's leaf hash, in row order, for every row before the failure. */
  leaves: Buffer[];
  failure: ChunkFailure | null;
}

/**
 * The worker's code: its modules bundled into one script by esbuild (which tsx uses to run the server), once
 * per process: loaded through tsx's hooks instead, a worker starts and runs slower (docs/benchmarks.md,
 * "Why the code is shaped so").
 */
let bundled: string | undefined;
const workerSource = () =>
  (bundled ??= buildSync({
    entryPoints: [path.join(__dirname, 'replay-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
  }).outputFiles[0]!.text);

// This thread also merges the answers and builds the tree, a fair part of the work of replaying the
// events (docs/benchmarks.md), so its share of the items is smaller than a worker's.
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
    this.workers = theirs.map((share) => new Worker(workerSource(), { eval: true, execArgv: [], workerData: share }));
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
