import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { startEmbeddedPostgres, type Database } from './database';
import { initOrm, migrate } from './orm';

export interface Runtime {
  orm: MikroORM;
  /** Connection URL with credentials: never log it. */
  url: string;
  close(): Promise<void>;
}

/** Database (embedded unless DATABASE_URL is set) → ORM → migrations applied. */
export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const database: Database = config.databaseUrl
    ? { url: config.databaseUrl, stop: async () => {} }
    : await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), port: config.embeddedPgPort, logger });
  let orm: MikroORM;
  try {
    orm = await initOrm({ url: database.url, poolMax: config.dbPoolMax, logger });
    const applied = await migrate(orm);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } catch (err) {
    await database.stop();
    throw err;
  }
  return {
    orm,
    url: database.url,
    close: async () => {
      await orm.close(true);
      await database.stop();
    },
  };
}
