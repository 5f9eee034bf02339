import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import type { Express } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createApp } from '../src/api/app';
import { callerCache } from '../src/api/auth';
import { GroupCommit } from '../src/custody/items/group-commit';
import { deviceMessages } from '../src/devices/once';
import type { AppDeps } from '../src/api/deps';
import { loadConfig, type Config } from '../src/config';
import { createLogger } from '../src/logger';
import { initOrm, migrate } from '../src/orm';
import { grantServerPrivileges, SERVER_ROLE } from '../src/database-role';
import { ED25519, generateSignerKey, parseSignerKey, type VerifierKey } from '../src/custody/ledger/note';
import { ChangeFeed } from '../src/live/change-feed';

export interface TestContext {
  orm: MikroORM;
  app: Express;
  config: Config;
  /** The database as its owner (the superuser): for tests that tamper with it behind the server's back. */
  url: string;
  /** The database as the server's own role (SERVER_ROLE). */
  serverUrl: string;
  /** Everything the app logged, one JSON line per entry. */
  logs: string[];
  tokens: { secret: string; ttlSeconds: number };
  ledger: AppDeps['ledger'];
  /** The ledger's signer key as CUSTODY_LEDGER_KEY takes it: a server process on this database signs with it too. */
  ledgerKey: string;
  close(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.CUSTODY_TEST_ADMIN_URL;
  if (!url) throw new Error('CUSTODY_TEST_ADMIN_URL is not set: run the tests through jest (global-setup)');
  return url;
}

/** A fresh database for one test file, so files run in parallel and never see each other's rows. */
export async function createTestDatabase(): Promise<{ url: string; serverUrl: string; drop(): Promise<void> }> {
  const name = `custody_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const serverUrl = new URL(process.env.CUSTODY_TEST_SERVER_URL!);
  serverUrl.pathname = `/${name}`;
  return {
    url: url.toString(),
    serverUrl: serverUrl.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * The app on a database of its own, migrated by the owner. `as: 'server'` connects the app as the server's
 * own role, with the privileges the server grants it, as `npm start` does; by default it connects as the
 * owner, so that a test may also change the schema through `orm`.
 */
export async function createTestContext(
  env: Record<string, string> = {},
  extra: Partial<Pick<AppDeps, 'loginThrottle' | 'ledger'>> = {},
  { as = 'owner' }: { as?: 'owner' | 'server' } = {},
): Promise<TestContext> {
  const database = await createTestDatabase();
  const owner = await initOrm({ url: database.url, poolMax: as === 'owner' ? 5 : 1 });
  await migrate(owner);
  let orm = owner;
  if (as === 'server') {
    await grantServerPrivileges(owner, SERVER_ROLE);
    await owner.close(true);
    orm = await initOrm({ url: database.serverUrl, poolMax: 5 });
  }
  const appUrl = as === 'server' ? database.serverUrl : database.url;
  const config = loadConfig({ LOG_LEVEL: 'info', CUSTODY_DATA_DIR: '/nonexistent', ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config, sink);
  const tokens = { secret: randomBytes(32).toString('hex'), ttlSeconds: 600 };
  const ledgerKey = generateSignerKey('custody.test/ledger', ED25519);
  const ledger = {
    signer: parseSignerKey(ledgerKey),
    file: null,
    witnesses: [] as VerifierKey[],
    ...extra.ledger,
  };
  // Callers kept as the server keeps them, so every test runs with the cache and its notifications.
  const callers = callerCache(orm);
  await callers.watch(appUrl, logger);
  const changes = new ChangeFeed(orm.em.fork());
  await changes.watch(appUrl, logger);
  const app = createApp({
    orm,
    config,
    logger,
    tokens,
    ...extra,
    ledger,
    callers,
    changes,
    placements: new GroupCommit(orm, deviceMessages),
  });
  return {
    orm,
    app,
    config,
    url: database.url,
    serverUrl: database.serverUrl,
    logs,
    tokens,
    ledger,
    ledgerKey,
    close: async () => {
      await changes.close();
      await callers.close();
      await orm.close(true);
      await database.drop();
    },
  };
}

/** Stack traces of every error the app logged (500s): a test file that expects none asserts this is empty. */
export function serverErrors(ctx: TestContext): string[] {
  return ctx.logs
    .map((line) => JSON.parse(line) as { level: number; err?: { stack?: string; message?: string } })
    .filter((entry) => entry.level >= 50 && !entry.err?.message?.startsWith('failed with status code'))
    .map((entry) => entry.err?.stack ?? JSON.stringify(entry));
}
