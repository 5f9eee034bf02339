import type { Logger } from 'pino';
import { DatabaseListener } from '../../database-listener';
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
  private listener: DatabaseListener | null = null;
  private readonly forgetting = new Set<() => void>();

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
    if (caller && this.listening && generation === this.generation) {
      if (this.callers.size >= MAX_CALLERS) this.callers.clear();
      this.callers.set(id, { caller, at: Date.now() });
    }
    return caller;
  }

  /** Whether it hears of changes, and so keeps callers. */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  /** Forgets every caller. */
  forget(): void {
    this.generation++;
    this.callers.clear();
    this.forgetting.forEach((listener) => listener());
  }

  /**
   * Called whenever the callers are forgotten (a change to users, agencies or tokens, here or elsewhere), after
   * they are: whoever holds a caller for long (a change stream) loads it again then.
   */
  onForget(listener: () => void): () => void {
    this.forgetting.add(listener);
    return () => void this.forgetting.delete(listener);
  }

  /**
   * Listens for changes on a connection of its own, and again after it drops; resolves once listening, or
   * once it could not (the database down: it tries again then too).
   */
  async watch(url: string, logger: Pick<Logger, 'info' | 'warn'>): Promise<void> {
    this.listener = new DatabaseListener(
      url,
      [CHANNEL],
      {
        notification: () => this.forget(),
        // Whatever changed while nobody listened is unknown: start from nothing.
        up: () => this.forget(),
        down: () => this.forget(),
      },
      logger,
      'custody caller changes',
      this.reconnectMs,
    );
    await this.listener.start();
  }

  async close(): Promise<void> {
    this.forget();
    await this.listener?.close();
  }
}
