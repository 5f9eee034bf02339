import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports';
import { startServer } from './server-process';

/**
 * The server as a newcomer runs it: `src/main.ts` on a fresh embedded PostgreSQL in its own data folder.
 * Slow (a real initdb), so the whole life of the process is checked in one file.
 */
const ADMIN_PASSWORD = 'first start passphrase 2026';

const login = (port: number, username: string, password: string) =>
  fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe('the server process on embedded PostgreSQL', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-server-'));
  fs.chmodSync(dataDir, 0o711);
  let env: Record<string, string>;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    env = {
      LOG_LEVEL: 'info',
      PORT: String(port),
      CUSTODY_DATA_DIR: dataDir,
      CUSTODY_PG_PORT: String(await freePort()),
      CUSTODY_ADMIN_PASSWORD: ADMIN_PASSWORD,
    };
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('starts, serves the bootstrap admin, stops cleanly on SIGTERM, and keeps its data across a restart', async () => {
    const first = startServer(env, 'npm start');
    await first.ready(port);
    expect((await login(port, 'admin', ADMIN_PASSWORD)).status).toBe(200);
    const secretFile = path.join(dataDir, 'jwt-secret');
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    const token = ((await (await login(port, 'admin', ADMIN_PASSWORD)).json()) as { accessToken: string }).accessToken;
    const created = await fetch(`http://127.0.0.1:${port}/api/v1/agencies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ code: 'KEPT', name: 'Survives a restart', kind: 'court' }),
    });
    expect(created.status).toBe(201);
    // Through the tsx command, as `npm start` runs it: the orderly stop finishes (exit code 0).
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    expect(first.output()).not.toContain(ADMIN_PASSWORD);

    const second = startServer(env, 'npm start');
    await second.ready(port);
    // Same JWT secret from the data folder: the token issued before the restart still works.
    const agencies = await fetch(`http://127.0.0.1:${port}/api/v1/agencies`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(agencies.status).toBe(200);
    const body = (await agencies.json()) as { items: { code: string }[] };
    expect(body.items.map((a) => a.code)).toEqual(expect.arrayContaining(['CENTRE', 'KEPT']));
    expect(await second.stop('SIGINT')).toBe(0);
  }, 90_000);

  test("serves as its own PostgreSQL role, set up again on every start, which cannot switch the ledger's triggers off", async () => {
    const server = startServer(env);
    await server.ready(port);
    const passwordFile = path.join(dataDir, 'postgres', 'server-password');
    expect(fs.statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = fs.readFileSync(passwordFile, 'utf8').trim();
    const sql = new pg.Client({
      host: '127.0.0.1',
      port: Number(env.CUSTODY_PG_PORT),
      user: 'custody_server',
      password,
      database: 'custody',
    });
    await sql.connect();
    try {
      const { rows } = await sql.query(
        `select a.usename as name, r.rolsuper as superuser
           from pg_stat_activity a join pg_roles r on r.rolname = a.usename
          where a.datname = 'custody' and a.pid <> pg_backend_pid() and a.backend_type = 'client backend'`,
      );
      // Every connection of the server's (its pool, its listener, its signer lease) is the server's role's.
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.name !== 'custody_server' || r.superuser)).toEqual([]);
      await expect(sql.query('alter table ledger_events disable trigger all')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await sql.end();
    }
    expect(server.output()).not.toMatch(/superuser|DATABASE_OWNER_URL/);
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 60_000);

  test('a taken PostgreSQL port stops the server with one clear line and exit code 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const started = startServer({ ...env, CUSTODY_PG_PORT: String(taken) });
      expect(await started.exited).toBe(1);
      expect(started.output().trim()).toMatch(new RegExp(`^custody: port ${taken} .*CUSTODY_PG_PORT.*DATABASE_URL`));
    } finally {
      blocker.close();
    }
  }, 30_000);
});
