import pg from 'pg';
import type { Logger } from 'pino';
import type { Caller } from './caller';

const CHANNEL = 'custody_callers';
// Bounds how long a caller is kept if a notification were lost without the connection failing.
const MAX_AGE_MS = 30_000;
const MAX_CALLERS = 10_000;

/**
 * The callers this process has authenticated, by user id, kept only while PostgreSQL tells it of every
 * change to users, agencies and signed-out tokens (LISTEN on a connection of its own; the triggers notify
 * at COMMIT). Any notification forgets them all; while the listening connection is down, or before it is up, nothing is
 * kept and every request loads its caller. A change made through this process is forgotten before it is
 * answered; one made elsewhere (another instance, SQL) as soon as its notification arrives.
 *
 * Why: loading the caller was a query on every request, a fifth of the command path's cost.
 */
export class CallerCache<T = Caller> {
  private readonly callers = new Map<string, { caller: T; at: number }>();
  /** Moves on whenever what is kept is forgotten: a load that started before must not be kept. */
  private generation = 0;
  private listener: pg.Client | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly load: (id: string) => Promise<T | null>,
    /** How long after losing the listening connection it connects again. */
    private readonly reconnectMs = 1000,
  ) {}

  async get(id: string): Promise<T | null> {
    const kept = this.callers.get(id);
    if (kept && Date.now() - kept.at < MAX_AGE_MS) return kept.caller;
    const generation = this.generation;
    const caller = await this.load(id);
    if (caller && this.listener && generation === this.generation) {
      if (this.callers.size >= MAX_CALLERS) this.callers.clear();
      this.callers.set(id, { caller, at: Date.now() });
    }
    return caller;
  }

  /** Whether it hears of changes, and so keeps callers. */
  get listening(): boolean {
    return this.listener !== null;
  }

  /** Forgets every caller. */
  forget(): void {
    this.generation++;
    this.callers.clear();
  }

  /**
   * Listens for changes on a connection of its own, and again `reconnectMs` after it drops; resolves once
   * listening, or once it could not (the database down: it tries again then too).
   */
  async watch(url: string, logger: Pick<Logger, 'info' | 'warn'>): Promise<void> {
    const client = new pg.Client({
      connectionString: url,
      application_name: 'custody caller changes',
      keepAlive: true,
    });
    let gone = false;
    const lost = (err?: Error) => {
      if (gone) return;
      gone = true;
      if (this.listener === client) {
        logger.warn(
          { err: err && { message: err.message } },
          'lost the caller-change notifications: callers are loaded on every request until they are back',
        );
      }
      this.drop(client);
      if (!this.closed && !this.reconnect) {
        this.reconnect = setTimeout(() => {
          this.reconnect = null;
          void this.watch(url, logger);
        }, this.reconnectMs);
        this.reconnect.unref();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => this.forget());
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      lost(err as Error);
      return;
    }
    if (this.closed) return void client.end().catch(() => undefined);
    // Whatever changed while nobody listened is unknown: start from nothing.
    this.forget();
    this.listener = client;
    logger.info('listening for caller changes: authenticated callers are kept until one');
  }

  private drop(client: pg.Client): void {
    if (this.listener === client) this.listener = null;
    this.forget();
    void client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.listener;
    this.listener = null;
    this.forget();
    await client?.end().catch(() => undefined);
  }
}
