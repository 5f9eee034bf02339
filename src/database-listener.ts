import type pg from 'pg';
import type { Logger } from 'pino';
import { connectClient } from './database-connect';

export interface ListenerEvents {
  /** A notification on one of the channels (sent at its transaction's COMMIT). */
  notification(channel: string, payload: string): void;
  /** Listening again: whatever was notified while nobody listened is unknown. */
  up(): void;
  /** The connection is lost; it is tried again after a pause. */
  down(err?: Error): void;
}

/**
 * LISTENs on PostgreSQL channels over a connection of its own, and again `reconnectMs` after it drops.
 * What another instance (or SQL) commits reaches every instance this way: the caller cache and the console's
 * change stream both hear of it here.
 */
export class DatabaseListener {
  private client: pg.Client | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
    private readonly events: ListenerEvents,
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
    /** Shown in pg_stat_activity. */
    private readonly name: string,
    private readonly reconnectMs = 1000,
  ) {}

  get listening(): boolean {
    return this.client !== null;
  }

  /** Resolves once listening, or once it could not (the database down: it tries again then too). */
  async start(): Promise<void> {
    let client: pg.Client;
    try {
      // With several hosts in the URL, the first that accepts writes: the primary, whose commits notify.
      client = await connectClient(this.url, { application_name: this.name, keepAlive: true });
    } catch {
      this.retryLater();
      return;
    }
    let gone = false;
    const lost = (err?: Error) => {
      if (gone) return;
      gone = true;
      if (this.client === client) {
        this.client = null;
        this.logger.warn({ err: err && { message: err.message } }, `${this.name}: lost the notifications`);
        this.events.down(err);
      }
      void client.end().catch(() => undefined);
      this.retryLater();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => this.events.notification(message.channel, message.payload ?? ''));
    try {
      for (const channel of this.channels) await client.query(`listen ${channel}`);
    } catch (err) {
      lost(err as Error);
      return;
    }
    if (this.closed) return void client.end().catch(() => undefined);
    this.client = client;
    this.events.up();
    this.logger.info(`${this.name}: listening`);
  }

  private retryLater(): void {
    if (this.closed || this.reconnect) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      void this.start();
    }, this.reconnectMs);
    this.reconnect.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
