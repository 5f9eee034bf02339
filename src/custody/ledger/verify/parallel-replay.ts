import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { ItemState } from '../../items/projection';
import type { ItemRowsOutcome } from './item-rows';
import type { ReplayMessage } from './replay-worker';
import { ShareReplay, type Share, type ShareOutcome, type ShareRowsOutcome } from './share-replay';

/** What the rows that a chunk completes gave, all shares together: the first failure among them, if any. */
export type ChunkOutcome = ShareOutcome;

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

/** The 256 first bytes of item ids split evenly among `threads` threads. */
function shares(threads: number): Share[] {
  return Array.from({ length: threads }, (_, t) => ({
    from: Math.round((256 * t) / threads),
    to: Math.round((256 * (t + 1)) / threads),
  }));
}

/** The items rows against the replay, all shares together. */
export interface ItemRowsResult {
  rows: number;
  items: number;
  /** The first row (in id order) that differs from its item's replay, or names no item in the ledger. */
  mismatch: ItemRowsOutcome['mismatch'];
}

/**
 * The per-item checks of a whole-ledger verification, fed the COPY stream chunk by chunk with the leaf
 * hashes this thread computed. With no worker threads this thread replays every item; otherwise the items
 * are split into a share per worker, every worker reading every chunk, and this thread replays none: reading
 * the stream, hashing every event and building the tree are about half the work already
 * (docs/benchmarks.md, "Why the code is shaped so"). The answers are merged in row order. The items rows are
 * checked the same way, each share its own, so that the states stay where they were replayed.
 */
export class ItemReplayer {
  private readonly own: ShareReplay | null;
  private readonly workers: Worker[];
  /** Per worker, the answers awaited, in the order asked (a worker answers its messages in order). */
  private readonly waiting: { resolve(value: unknown): void; reject(err: unknown): void }[][];
  private failed: Error | null = null;

  constructor(workers: number, columns: (keyof ItemState)[]) {
    this.own = workers === 0 ? new ShareReplay({ share: { from: 0, to: 256 }, columns }) : null;
    this.workers = shares(workers).map(
      (share) => new Worker(workerSource(), { eval: true, execArgv: [], workerData: { share, columns } }),
    );
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

  private ask<T>(w: number, message: ReplayMessage, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting[w]!.push({ resolve: resolve as (value: unknown) => void, reject });
      this.workers[w]!.postMessage(message, transfer);
    });
  }

  /** Asks every worker, each with copies of its own of `buffers` (handed over rather than cloned). */
  private askAll<T>(message: (copies: Uint8Array[]) => ReplayMessage, buffers: Buffer[]): Promise<T>[] {
    return this.workers.map((_, w) => {
      const copies = buffers.map((buffer) => new Uint8Array(buffer));
      return this.ask<T>(
        w,
        message(copies),
        copies.map((copy) => copy.buffer),
      );
    });
  }

  /** Replays the rows that `chunk` completes, whose leaf hashes are `leaves` (32 bytes each, in row order). */
  async add(chunk: Buffer, leaves: Buffer): Promise<ChunkOutcome> {
    const asked = this.askAll<ShareOutcome>(
      ([events, hashes]) => ({ events: events!, leaves: hashes! }),
      [chunk, leaves],
    );
    const outcomes = [...(this.own ? [this.own.add(chunk, leaves)] : []), ...(await Promise.all(asked))];
    return outcomes.reduce((first, outcome) =>
      outcome.failure && (!first.failure || outcome.failure.at < first.failure.at) ? outcome : first,
    );
  }

  /** How many items have been replayed. */
  async items(): Promise<number> {
    const theirs = await Promise.all(this.workers.map((_, w) => this.ask<number>(w, 'items')));
    return theirs.reduce((a, b) => a + b, this.own?.items ?? 0);
  }

  /** Checks the items rows whose lines (COPY's text of ITEM_SELECT, in id order) `chunk` completes. */
  async addItemRows(chunk: Buffer): Promise<void> {
    const asked = this.askAll<null>(([rows]) => ({ itemRows: rows! }), [chunk]);
    this.own?.addItemRows(chunk);
    await Promise.all(asked);
  }

  /** Once every items row is in: how many, how many items the ledger gave, and the first row that differs. */
  async itemRows(): Promise<ItemRowsResult> {
    const theirs = await Promise.all(this.workers.map((_, w) => this.ask<ShareRowsOutcome>(w, 'item rows')));
    const outcomes = [...(this.own ? [this.own.itemRows()] : []), ...theirs];
    const mismatches = outcomes.flatMap((o) => (o.mismatch ? [o.mismatch] : []));
    return {
      rows: outcomes[0]!.rows,
      items: outcomes.reduce((n, o) => n + o.items, 0),
      // Each share's rows are in id order, and uuids as text sort as PostgreSQL sorts them.
      mismatch: mismatches.sort((a, b) => (a.itemId < b.itemId ? -1 : 1))[0] ?? null,
    };
  }

  async close(): Promise<void> {
    this.failed ??= new Error('closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
