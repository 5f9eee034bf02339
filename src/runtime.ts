import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { startEmbeddedPostgres, type Database } from './database';
import { connectedRole, grantServerPrivileges } from './database-role';
import { initOrm, migrate, ormConfig } from './orm';

export interface Runtime {
  orm: MikroORM;
  /** For the reads that may lag (DATABASE_READ_URL's replica); the primary's `orm` itself when there is none. */
  readOrm: MikroORM;
  /** The server's connection URL, with credentials: never log it. */
  url: string;
  close(): Promise<void>;
}

/** DATABASE_URL for the server, and DATABASE_OWNER_URL (else, with a warning, DATABASE_URL) for migrations. */
function externalDatabase(config: Config, logger: Logger): Database {
  if (!config.databaseOwnerUrl) {
    logger.warn(
      "DATABASE_OWNER_URL is not set: migrations run as the server's own role, which then owns the ledger's tables and could disable their triggers; see docs/operations.md",
    );
  }
  return { url: config.databaseUrl!, ownerUrl: config.databaseOwnerUrl ?? config.databaseUrl!, stop: async () => {} };
}

/**
 * Migrations as the owner, then the server's privileges granted by the owner (when the two differ), on a
 * connection of their own that is closed before the server starts.
 */
async function migrateAsOwner(database: Database, serverRole: string, logger: Logger): Promise<void> {
  const owner = await initOrm({ url: database.ownerUrl, poolMax: 1, logger });
  try {
    const applied = await migrate(owner);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    if (database.ownerUrl !== database.url) await grantServerPrivileges(owner, serverRole);
  } finally {
    await owner.close(true);
  }
}

/**
 * The replica's ORM, named `replica` so that a request holds a context of each (RequestContext keeps one
 * EntityManager per name). It only reads: no migrations, no grants; the roles are the primary's, replicated.
 */
async function openReplica(url: string, config: Config, logger: Logger): Promise<MikroORM> {
  const replica = await MikroORM.init({
    ...ormConfig({ url, poolMax: config.dbPoolMax, logger }),
    contextName: 'replica',
  });
  try {
    const [row] = await replica.em.fork().execute<{ standby: boolean }[]>('select pg_is_in_recovery() as standby');
    if (!row?.standby) logger.warn('DATABASE_READ_URL is not a standby: reads meant for a replica go to a primary');
  } catch (err) {
    await replica.close(true);
    throw err;
  }
  return replica;
}

/** Database (embedded unless DATABASE_URL is set) → migrations as the owner → the server's ORM, as its own role. */
export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const database: Database = config.databaseUrl
    ? externalDatabase(config, logger)
    : await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), port: config.embeddedPgPort, logger });
  let orm: MikroORM | undefined;
  try {
    orm = await initOrm({ url: database.url, poolMax: config.dbPoolMax, logger });
    const role = await connectedRole(orm);
    if (role.superuser)
      logger.warn(
        { role: role.name },
        "the server connects as a PostgreSQL superuser, which can disable the ledger's triggers; see docs/operations.md",
      );
    await migrateAsOwner(database, role.name, logger);
  } catch (err) {
    await orm?.close(true);
    await database.stop();
    throw err;
  }
  const server = orm;
  let replica = server;
  if (config.databaseReadUrl) {
    try {
      replica = await openReplica(config.databaseReadUrl, config, logger);
    } catch (err) {
      await server.close(true);
      await database.stop();
      throw err;
    }
  }
  return {
    orm: server,
    readOrm: replica,
    url: database.url,
    close: async () => {
      if (replica !== server) await replica.close(true);
      await server.close(true);
      await database.stop();
    },
  };
}
