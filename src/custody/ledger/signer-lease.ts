import type pg from 'pg';
import type { Logger } from 'pino';
import { connectClient } from '../../database-connect';

/**
 * Which of several API instances signs checkpoints: the one holding a session advisory lock on a connection
 * of its own. The lock lives as long as that connection, so when the signer stops or dies, PostgreSQL frees
 * it and the next instance to ask takes over; the others never sign.
 */
export class SignerLease {
  private client: pg.Client | null = null;
  private leader = false;

  constructor(
    private readonly url: string,
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /** True while this instance is the signer; asks for the lock again when it is not. */
  async held(): Promise<boolean> {
    try {
      if (!this.client) {
        // After a failover the lock is asked of the promoted primary: the old one's session, and its lock, are gone.
        const client = await connectClient(this.url, { application_name: 'custody checkpoint signer' });
        client.on('error', () => this.drop(client));
        this.client = client;
      }
      const { rows } = await this.client.query<{ ok: boolean }>(
        `select pg_try_advisory_lock(hashtext('custody.signer')) as ok`,
      );
      // Taking a lock this session already holds stacks it; give the extra one back so one unlock frees it.
      if (rows[0]!.ok && this.leader) await this.client.query(`select pg_advisory_unlock(hashtext('custody.signer'))`);
      if (rows[0]!.ok && !this.leader) this.logger.info('this instance now signs checkpoints');
      this.leader = rows[0]!.ok;
      return this.leader;
    } catch (err) {
      if (this.leader)
        this.logger.warn({ err: { message: (err as Error).message } }, 'lost the checkpoint signer lock');
      if (this.client) this.drop(this.client);
      return false;
    }
  }

  private drop(client: pg.Client): void {
    if (this.client === client) {
      this.client = null;
      this.leader = false;
    }
    void client.end().catch(() => undefined);
  }

  async release(): Promise<void> {
    if (this.client) {
      const client = this.client;
      this.client = null;
      this.leader = false;
      await client.end().catch(() => undefined);
    }
  }
}
