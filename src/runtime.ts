import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { startEmbeddedPostgres, type Database } from './database';
import { connectedRole, grantServerPrivileges } from './database-role';
import { initOrm, migrate } from './orm';

export interface Runtime {
  orm: MikroORM;
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
  return {
    orm: server,
    url: database.url,
    close: async () => {
      await server.close(true);
      await database.stop();
    },
  };
}
