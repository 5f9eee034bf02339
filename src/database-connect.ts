import pg from 'pg';
import { PostgreSqlKnexDialect } from '@mikro-orm/postgresql';
import { parseDatabaseUrl, type DatabaseHost, type DatabaseTarget } from './database-url';

/**
 * Every connection the server opens on DATABASE_URL goes through here: the ORM's pool (`failoverDialect`), the
 * LISTEN connections and the checkpoint signer's lease (`connectClient`). With several hosts they are tried in
 * order and the first that gives the session asked for is kept, as libpq does; after a failover, a new
 * connection thus lands on the promoted standby without any setting changed.
 */

/**
 * No host gave the session asked for (all down, or none accepting writes while a standby is being promoted).
 * SQLSTATE 08001, sqlclient_unable_to_establish_sqlconnection, as libpq's clients report it.
 */
export class NoUsableHostError extends Error {
  override name = 'NoUsableHostError';
  readonly code = '08001';
}

/**
 * Connects `open(host)`'s client for each host in turn and returns the first usable one. `open` attaches the
 * caller's listeners; an error of a client tried and given up is the caller's to ignore (its client is ended).
 */
async function firstUsable<C extends pg.Client>(target: DatabaseTarget, open: (host: DatabaseHost) => C): Promise<C> {
  const refusals = new Set<string>();
  for (const host of target.hosts) {
    const client = open(host);
    // pg emits 'error' when the connection fails outside a query; here that is one more host refusing.
    const refused = (err: Error) => refusals.add(`${host.name}: ${err.message}`);
    client.on('error', refused);
    try {
      await client.connect();
      if (target.sessionAttrs === 'read-write') {
        // What libpq asks too: a hot standby, and a primary whose sessions default to read-only, are refused.
        const { rows } = await client.query<{ transaction_read_only: string }>('show transaction_read_only');
        if (rows[0]?.transaction_read_only !== 'off') {
          refusals.add(`${host.name}: read-only`);
          await client.end().catch(() => undefined);
          continue;
        }
      }
      client.off('error', refused);
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      // One host, any session: its own error, as node-postgres gives it.
      if (target.plain) throw err;
      refused(err as Error);
    }
  }
  throw new NoUsableHostError(
    `no database host ${target.sessionAttrs === 'read-write' ? 'accepts writes' : 'answers'} (${[...refusals].join('; ')})`,
  );
}

/** A pg client connected to the first usable host of `url`, with `config` (application_name, keepAlive…). */
export function connectClient(url: string, config: Omit<pg.ClientConfig, 'connectionString'> = {}): Promise<pg.Client> {
  const target = parseDatabaseUrl(url);
  return firstUsable(
    target,
    (host) =>
      new pg.Client({
        connectionString: host.url,
        ...(target.connectTimeoutMs ? { connectionTimeoutMillis: target.connectTimeoutMs } : {}),
        ...config,
      }),
  );
}

/** What the dialect below uses of knex's PostgreSQL client, which declares none of it. */
interface KnexPgClient {
  driver: typeof pg;
  connectionSettings: pg.ClientConfig;
}
type PooledClient = pg.Client & { __knex__disposed?: unknown };

/**
 * MikroORM's dialect, opening each pooled connection on the first usable host of `target` instead of the one
 * host knex knows. knex's own `_acquireOnlyConnection` (knex/lib/dialects/postgres) makes a client of
 * `this.driver` on `this.connectionSettings` and marks it disposed when it errs or ends, so that the pool
 * drops it at its next acquire (a connection to a primary that died is never handed out again); the same is
 * done here for the client of each host tried.
 */
export function failoverDialect(target: DatabaseTarget): typeof PostgreSqlKnexDialect {
  return class FailoverDialect extends PostgreSqlKnexDialect {
    _acquireOnlyConnection(this: KnexPgClient): Promise<pg.Client> {
      return firstUsable(target, (host) => {
        const { hostname, port } = new URL(host.url);
        const connection: PooledClient = new this.driver.Client({
          ...this.connectionSettings,
          host: decodeURIComponent(hostname).replace(/^\[(.*)\]$/, '$1'),
          port: port ? Number(port) : 5432,
          ...(target.connectTimeoutMs ? { connectionTimeoutMillis: target.connectTimeoutMs } : {}),
        });
        connection.on('error', (err) => (connection.__knex__disposed = err));
        connection.on('end', () => (connection.__knex__disposed ??= 'Connection ended unexpectedly'));
        return connection;
      });
    }
  };
}
