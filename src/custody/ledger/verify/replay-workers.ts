import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { ReplayMessage } from './replay-worker';

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

/** A worker thread of the verification, asked one thing after another and answering in the same order. */
export class ReplayWorker {
  private readonly worker = new Worker(workerSource(), { eval: true, execArgv: [] });
  /** The answers awaited, in the order asked. */
  private readonly waiting: { resolve(value: unknown): void; reject(err: unknown): void }[] = [];
  failed: Error | null = null;

  constructor() {
    this.worker.on('message', (message) => this.waiting.shift()?.resolve(message));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`a verification worker stopped (exit code ${code})`)));
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(err);
  }

  ask<T>(message: ReplayMessage, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  /** Whether it keeps the process alive while it waits (as it must while a verification awaits it). */
  hold(held: boolean): void {
    if (held) this.worker.ref();
    else this.worker.unref();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * Workers kept between verifications, idle: a worker's first few tens of thousands of events run before
 * its code is optimized, several times slower (docs/benchmarks.md), so a server that has verified once
 * verifies again faster with the workers it kept. Idle, they hold no state and keep no process alive.
 */
const idle: ReplayWorker[] = [];

/** `count` workers, kept ones first. */
export function takeWorkers(count: number): ReplayWorker[] {
  const taken = idle.splice(0, count);
  while (taken.length < count) taken.push(new ReplayWorker());
  for (const worker of taken) worker.hold(true);
  return taken;
}

/** Gives workers back once a verification is done with them: emptied and kept, or stopped if they failed. */
export async function giveBack(workers: ReplayWorker[]): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      const emptied = await worker.ask('reset').then(
        () => true,
        () => false,
      );
      if (emptied && idle.length < os.availableParallelism()) {
        worker.hold(false);
        idle.push(worker);
      } else {
        await worker.terminate();
      }
    }),
  );
}
