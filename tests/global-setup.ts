import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres, type Database } from '../src/database';
import { freePort } from './ports';

declare global {
  // eslint-disable-next-line no-var
  var __CUSTODY_TEST_DATABASE__: { db: Database; dir: string } | undefined;
}


/**
 * One PostgreSQL for the whole run: the embedded one in a temporary folder, or the server named by
 * DATABASE_URL (e.g. Debian's PostgreSQL 15). Each test file then makes its own database in it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.CUSTODY_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-test-'));
  fs.chmodSync(dir, 0o711);
  const db = await startEmbeddedPostgres({ dir, port: await freePort(), logger: pino({ level: 'warn' }) });
  globalThis.__CUSTODY_TEST_DATABASE__ = { db, dir };
  process.env.CUSTODY_TEST_ADMIN_URL = db.url;
}
