import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from 'pino';
import { Agency } from './custody/agency.entity';
import { User } from './custody/user.entity';
import { Migration20261123000000Foundation } from '../migrations/Migration20261123000000Foundation';

export const entities = [Agency, User];

/** Listed here rather than discovered from the file system, so the same list runs under tsx, jest and node. */
const migrationsList = [
  { name: 'Migration20261123000000Foundation', class: Migration20261123000000Foundation },
];

export interface OrmOptions {
  url: string;
  poolMax?: number;
  logger?: Pick<Logger, 'debug'>;
}

export function ormConfig({ url, poolMax = 10, logger }: OrmOptions): Options {
  return {
    clientUrl: url,
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: poolMax },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    logger: (message) => logger?.debug({ orm: message }, 'orm'),
  };
}

export async function initOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(options));
}

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
