import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { startEmbeddedPostgres, type Database } from '../src/database';
import { ensureServerRole, SERVER_ROLE } from '../src/database-role';
import { ensureConsoleBuilt } from '../scripts/console-build';
import { freePort } from './ports';

declare global {
  var __CUSTODY_TEST_DATABASE__: { db: Database; dir: string } | undefined;
}

/**
 * On a server named by DATABASE_URL, the server's role is made here. Its password comes from that URL, so
 * that test runs sharing one cluster agree on it rather than reset it under each other.
 */
async function serverRoleUrl(adminUrl: string): Promise<string> {
  const password = createHmac('sha256', adminUrl).update('custody test server role').digest('base64url');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await ensureServerRole(admin, password);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.username = SERVER_ROLE;
  url.password = password;
  return url.toString();
}

/**
 * One PostgreSQL for the whole run: the embedded one in a temporary folder, or the server named by
 * DATABASE_URL (e.g. Debian's PostgreSQL 15). Each test file then makes its own database in it, as the
 * superuser, and may connect to it as the server's own role (CUSTODY_TEST_SERVER_URL names its credentials).
 */
export default async function globalSetup(): Promise<void> {
  // Once for the run, before any test file starts a server that serves it (files run in parallel).
  ensureConsoleBuilt();
  if (process.env.DATABASE_URL) {
    process.env.CUSTODY_TEST_ADMIN_URL = process.env.DATABASE_URL;
    process.env.CUSTODY_TEST_SERVER_URL = await serverRoleUrl(process.env.DATABASE_URL);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-test-'));
  fs.chmodSync(dir, 0o711);
  const db = await startEmbeddedPostgres({ dir, port: await freePort(), logger: pino({ level: 'warn' }) });
  globalThis.__CUSTODY_TEST_DATABASE__ = { db, dir };
  process.env.CUSTODY_TEST_ADMIN_URL = db.ownerUrl;
  process.env.CUSTODY_TEST_SERVER_URL = db.url;
}
