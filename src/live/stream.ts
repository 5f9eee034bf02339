import type { Request, Response } from 'express';
import type { Caller } from '../custody/directory/caller';
import type { CallerCache } from '../custody/directory/caller-cache';
import { mayBeTold, type Change, type ChangeFeed } from './change-feed';

// Proxies and load balancers close a connection that is silent for a minute or so.
const HEARTBEAT_MS = 25_000;
// A reader this far behind is cut off; its EventSource reconnects and resumes from its last id.
const MAX_UNSENT_BYTES = 1 << 20;
// Ids sent lately, so that a change both replayed and heard live is sent once.
const REMEMBERED = 2000;

/**
 * One console's change stream (Server-Sent Events): the changes its user may be told of, as they commit on
 * any instance. With a Last-Event-ID it first replays what the console missed, or says `reset` when that is
 * no longer kept (the console then reads afresh). Every change to users or tokens re-checks the session, so
 * a signed-out or deactivated user's stream ends at once, and a changed role is filtered by at once.
 */
export class ChangeStream {
  private caller: Caller;
  private readonly sent = new Set<string>();
  /** The highest id handled, told or not: a replay after a gap starts there. */
  private handled = 0n;
  /** Changes heard while a replay is read, handled after it. */
  private held: Change[] | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe = () => {};
  private forgetCallers = () => {};
  private ended = false;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly feed: ChangeFeed,
    /** Tell when any user, agency or token changes: the session is checked again then. */
    private readonly callers: Pick<CallerCache<unknown>, 'onForget'>,
  ) {
    this.caller = req.caller!;
  }

  /** Streams until the console goes away or its session ends. */
  async run(resumeAfter: string | undefined): Promise<void> {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      // nginx would otherwise hold the events back in its buffer.
      'X-Accel-Buffering': 'no',
    });
    const closed = new Promise<void>((resolve) => this.res.on('close', resolve));
    this.held = [];
    this.unsubscribe = this.feed.subscribe({
      change: (change) => (this.held ? this.held.push(change) : this.handle(change)),
      gap: () => void this.replay(this.handled.toString()),
      closing: () => this.end('restarting'),
    });
    this.forgetCallers = this.callers.onForget(() => void this.recheck());
    // Reconnect soon after a cut, and not all at once after a restart.
    this.res.write(`retry: ${1000 + Math.floor(Math.random() * 1000)}\n\n`);
    if (resumeAfter === undefined) await this.start();
    else await this.replay(resumeAfter);
    this.timers.push(setInterval(() => this.res.write(': still here\n\n'), HEARTBEAT_MS));
    const expiresIn = this.req.token!.expiresAt.getTime() - Date.now();
    this.timers.push(setTimeout(() => this.end('expired'), Math.max(0, Math.min(expiresIn, 2 ** 31 - 1))));
    await closed;
    this.stop();
  }

  /** A new console: told from now on, with the id it would resume from. */
  private async start(): Promise<void> {
    this.handled = BigInt(await this.feed.latest());
    this.send('ready', this.handled.toString(), {});
    this.release();
  }

  private async replay(afterId: string): Promise<void> {
    this.held ??= [];
    try {
      const missed = await this.feed.since(afterId);
      if (missed === null) {
        const latest = await this.feed.latest();
        this.handled = BigInt(latest);
        // What the console shows may be out of date in ways the kept changes cannot tell: it reads afresh.
        this.send('reset', latest, {});
      } else {
        this.handled = BigInt(afterId);
        missed.forEach((change) => this.handle(change));
        if (!missed.length) this.send('ready', afterId, {});
      }
    } catch {
      this.end('unavailable');
      return;
    }
    this.release();
  }

  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((change) => this.handle(change));
  }

  private handle(change: Change): void {
    if (this.ended || this.sent.has(change.id)) return;
    const id = BigInt(change.id);
    if (id > this.handled) this.handled = id;
    if (!mayBeTold(this.caller, change)) return;
    this.sent.add(change.id);
    if (this.sent.size > REMEMBERED) this.sent.delete(this.sent.values().next().value!);
    this.send('change', change.id, { topic: change.topic, ...change.data });
  }

  private send(event: string, id: string, data: object): void {
    if (this.ended) return;
    this.res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (this.res.writableLength > MAX_UNSENT_BYTES) this.end('too slow');
  }

  private async recheck(): Promise<void> {
    try {
      this.caller = await this.req.token!.recheck();
    } catch {
      this.end('signed-out');
    }
  }

  /** Tells the console why, and closes: an EventSource reconnects, and a signed-out one is then refused. */
  private end(reason: string): void {
    if (this.ended) return;
    this.res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    this.ended = true;
    this.res.end();
  }

  private stop(): void {
    this.ended = true;
    this.unsubscribe();
    this.forgetCallers();
    this.timers.forEach(clearTimeout);
  }
}
