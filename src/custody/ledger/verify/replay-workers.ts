import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { ReplayMessage } from './replay-worker';

/**
 * The worker's code: its modules bundled into one script by esbuild (which tsx uses to run the server), once
 * per process: loaded through tsx's hooks instead, a worker starts and runs slower (docs/benchmarks.md,
 * "Why the code is shaped so"). Bundled in esbuild's own process while this thread goes on reading and
 * hashing: done here, it held up the first verification's start by about 85 ms.
 */
let bundling: Promise<string> | undefined;
const workerSource = () =>
  (bundling ??= build({
    entryPoints: [path.join(__dirname, 'replay-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
  }).then((built) => built.outputFiles[0]!.text));

/**
 * A worker thread of the verification, asked one thing after another and answering in the same order.
 * What it is asked before its thread has started waits for it.
 */
export class ReplayWorker {
  private worker: Worker | null = null;
  private readonly started: Promise<void>;
  private pending: [ReplayMessage, ArrayBuffer[]][] = [];
  private held = true;
  /** The answers awaited, in the order asked. */
  private readonly waiting: { resolve(value: unknown): void; reject(err: unknown): void }[] = [];
  failed: Error | null = null;

  constructor() {
    this.started = workerSource().then(
      (source) => {
        const worker = new Worker(source, { eval: true, execArgv: [] });
        worker.on('message', (message) => this.waiting.shift()?.resolve(message));
        worker.on('error', (err) => this.fail(err));
        worker.on('exit', (code) => this.fail(new Error(`a verification worker stopped (exit code ${code})`)));
        if (!this.held) worker.unref();
        for (const [message, transfer] of this.pending) worker.postMessage(message, transfer);
        this.pending = [];
        this.worker = worker;
      },
      (err: Error) => this.fail(err),
    );
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(err);
  }

  ask<T>(message: ReplayMessage, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (value: unknown) => void, reject });
      if (this.worker) this.worker.postMessage(message, transfer);
      else this.pending.push([message, transfer]);
    });
  }

  /** Whether it keeps the process alive while it waits (as it must while a verification awaits it). */
  hold(held: boolean): void {
    this.held = held;
    if (held) this.worker?.ref();
    else this.worker?.unref();
  }

  async terminate(): Promise<void> {
    await this.started;
    await this.worker?.terminate();
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
