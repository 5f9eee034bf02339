import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { issueToken } from '../src/api/auth';
import { ConfigError, loadConfig } from '../src/config';
import { initOrm } from '../src/orm';
import { requireDebianTools } from './debian-tools';
import { makeAgency, makeUser } from './factories';
import { freePort } from './ports';
import { ROOT, startServer, type ServerProcess } from './server-process';
import { phone } from './world';

requireDebianTools('pg_ctl');

const run = promisify(execFile);
const cluster = path.join(ROOT, 'scripts', 'pg-cluster.sh');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DATABASE_READ_URL in the configuration', () => {
  test('is refused without DATABASE_URL, saying that it needs it', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://custody@replica/custody' })).toThrow(
      new ConfigError(
        'invalid configuration: DATABASE_READ_URL: needs DATABASE_URL (a replica is of an external primary, not of the embedded database)',
      ),
    );
  });

  test('must be a PostgreSQL URL, and is taken with DATABASE_URL', () => {
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://custody@primary/custody', DATABASE_READ_URL: 'mysql://replica/db' }),
    ).toThrow('invalid configuration: DATABASE_READ_URL: must be a postgres:// or postgresql:// URL');
    const config = loadConfig({
      DATABASE_URL: 'postgres://custody@primary/custody',
      DATABASE_READ_URL: 'postgres://custody@replica/custody',
    });
    expect(config.databaseReadUrl).toBe('postgres://custody@replica/custody');
    expect(loadConfig({}).databaseReadUrl).toBeUndefined();
  });
});

describe('the server with a primary and a streaming replica of Debian PostgreSQL on loopback', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.chmodSync(dir, 0o711);
    dirs.push(dir);
    return dir;
  };
  let primaryDir: string;
  let replicaDir: string;
  let server: ServerProcess | undefined;
  let orm: MikroORM | undefined;
  let primary: pg.Client;
  let replica: pg.Client;
  let base: string;
  const auth: Record<'officer' | 'inspector', string> = { officer: '', inspector: '' };

  const api = async (who: keyof typeof auth, method: string, route: string, body?: object) => {
    const res = await fetch(`${base}/api/v1${route}`, {
      method,
      headers: { authorization: auth[who], ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body && JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      type,
      body: type.includes('json')
        ? ((await res.json()) as Record<string, unknown>)
        : Buffer.from(await res.arrayBuffer()),
    };
  };
  const json = (r: { body: unknown }) => r.body as Record<string, unknown>;
  const one = async <T>(client: pg.Client, sql: string, params: unknown[] = []) =>
    (await client.query(sql, params)).rows[0] as T;
  /** Until the replica has replayed everything the primary has written. */
  const caughtUp = async () => {
    const { lsn } = await one<{ lsn: string }>(primary, 'select pg_current_wal_lsn()::text as lsn');
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(50)) {
      const { done } = await one<{ done: boolean }>(replica, 'select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [
        lsn,
      ]);
      if (done) return;
    }
    throw new Error('the replica did not catch up in 10 s');
  };
  const replicaLog = () => fs.readFileSync(path.join(replicaDir, 'log'), 'utf8');

  beforeAll(async () => {
    primaryDir = tempDir('custody-primary-');
    replicaDir = tempDir('custody-replica-');
    const { stdout: p } = await run(cluster, ['start', primaryDir]);
    const primaryUrl = p.match(/DATABASE_URL=(\S+)/)![1]!;
    // Every statement the replica runs is in its log: what the server read there can be seen.
    const { stdout: r } = await run(cluster, ['replica', replicaDir, primaryDir], {
      env: { ...process.env, PG_CLUSTER_OPTIONS: '-c log_statement=all' },
    });
    const replicaUrl = r.match(/DATABASE_READ_URL=(\S+)/)![1]!;
    const port = await freePort();
    const tokens = { secret: 'read replica test secret, 32 characters or more', ttlSeconds: 600 };
    server = startServer({
      DATABASE_URL: primaryUrl,
      DATABASE_READ_URL: replicaUrl,
      JWT_SECRET: tokens.secret,
      PORT: String(port),
      MQTT_PORT: String(await freePort()),
      CUSTODY_DATA_DIR: tempDir('custody-replica-server-'),
      CUSTODY_ADMIN_PASSWORD: 'read replica passphrase 2026',
      CHECKPOINT_INTERVAL_SECONDS: '1',
      VERIFY_INTERVAL_SECONDS: '0',
    });
    await server.ready(port);
    base = `http://127.0.0.1:${port}`;
    primary = new pg.Client({ connectionString: primaryUrl });
    replica = new pg.Client({ connectionString: replicaUrl });
    await Promise.all([primary.connect(), replica.connect()]);
    // People made directly in the primary (as the factories do), with tokens signed as the server signs them.
    orm = await initOrm({ url: primaryUrl, poolMax: 2 });
    const em = orm.em.fork();
    const police = await makeAgency(em, { kind: 'police' });
    const centre = await makeAgency(em, { kind: 'custody_centre' });
    const officer = await makeUser(em, { roles: ['officer'], agency: police });
    const inspector = await makeUser(em, { roles: ['inspector'], agency: centre });
    auth.officer = `Bearer ${issueToken(tokens, officer.user).accessToken}`;
    auth.inspector = `Bearer ${issueToken(tokens, inspector.user).accessToken}`;
  }, 40_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await orm?.close(true);
    await primary?.end().catch(() => undefined);
    await replica?.end().catch(() => undefined);
    for (const dir of [replicaDir, primaryDir]) if (dir) await run(cluster, ['stop', dir]).catch(() => undefined);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('searches, reports, proofs and verification read the replica; writes and reads of one’s own write, the primary', async () => {
    const opened = await api('officer', 'POST', '/cases', {
      caseNumber: 'REPLICA-1',
      title: 'Read replica',
      openedOn: '2026-12-01',
    });
    expect(opened.status).toBe(201);
    const caseId = json(opened).id as string;
    const register = async () => {
      const res = await api('officer', 'POST', `/cases/${caseId}/items`, { items: [phone] });
      expect(res.status).toBe(201);
      return (json(res).items as { code: string; id: string }[])[0]!;
    };
    const search = async () =>
      ((json(await api('officer', 'GET', `/items?caseId=${caseId}`)).items as { code: string }[]) ?? []).map(
        (i) => i.code,
      );

    // A, registered and signed into a checkpoint before the replica is paused.
    const a = await register();
    expect((await api('inspector', 'POST', '/ledger/checkpoint')).status).toBe(200);
    await caughtUp();
    expect(await search()).toEqual([a.code]);

    await replica.query('select pg_wal_replay_pause()');
    for (let state = ''; state !== 'paused'; await sleep(20))
      state = (await one<{ s: string }>(replica, 'select pg_get_wal_replay_pause_state() as s')).s;

    // B: written to the primary, and read back there at once by its code; the search does not see it yet.
    const b = await register();
    const read = await api('officer', 'GET', `/items/${b.code}`);
    expect({ status: read.status, code: json(read).code }).toEqual({ status: 200, code: b.code });
    expect(await search()).toEqual([a.code]);
    // B's history, just after it was registered: the replica lacks it, so it is read from the primary.
    const bHistory = await api('officer', 'GET', `/items/${b.code}/history.json`);
    expect({ status: bHistory.status, events: (json(bHistory).events as unknown[]).length }).toEqual({
      status: 200,
      events: 1,
    });

    // A's history PDF and proof bundle come from the replica: its log shows it read A's events.
    const before = replicaLog().length;
    const pdf = await api('officer', 'GET', `/items/${a.code}/history.pdf`);
    expect({ status: pdf.status, type: pdf.type }).toEqual({ status: 200, type: 'application/pdf' });
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const proof = await api('officer', 'GET', `/items/${a.code}/proof`);
    expect({ status: proof.status, itemCode: json(proof).itemCode }).toEqual({ status: 200, itemCode: a.code });
    const readThere = replicaLog().slice(before);
    // (MikroORM puts the parameters into the statement it sends.) Once for the PDF, once for the bundle.
    const bundleReads = readThere.split(`from ledger_events where item_id = '${a.id}' and item_seq <= 1`).length - 1;
    expect(bundleReads).toBe(2);
    // Their reads were recorded on the primary (report_access is a write).
    const { accesses } = await one<{ accesses: string }>(
      primary,
      'select count(*)::int as accesses from report_access where item_id = $1',
      [a.id],
    );
    expect(Number(accesses)).toBe(2);

    // Proofs against the primary's tree, which the paused replica has not reached, are refused until it has.
    const { idx: bIndex } = await one<{ idx: string }>(primary, 'select idx from ledger_events where item_id = $1', [
      b.id,
    ]);
    const inclusion = `/ledger/proof/inclusion?index=${bIndex}&size=${Number(bIndex) + 1}`;
    expect((await api('officer', 'GET', inclusion)).status).toBe(422);

    // A verification reads the replica's ledger (the tree before B) and is recorded on the primary.
    const { size: primarySize } = await one<{ size: string }>(primary, 'select size from ledger_head');
    const { size: replicaSize } = await one<{ size: string }>(replica, 'select size from ledger_head');
    expect(Number(replicaSize)).toBeLessThan(Number(primarySize));
    const verified = await api('inspector', 'GET', '/ledger/verify');
    expect({ status: verified.status, ok: json(verified).ok, size: json(verified).size }).toEqual({
      status: 200,
      ok: true,
      size: Number(replicaSize),
    });
    const recorded = 'select count(*)::int as n from ledger_verifications where ok and size = $1';
    expect((await one<{ n: number }>(primary, recorded, [replicaSize])).n).toBe(1);
    expect((await one<{ n: number }>(replica, recorded, [replicaSize])).n).toBe(0);

    // Replay resumed: the search finds B, the proof is given, and the record has reached the replica.
    await replica.query('select pg_wal_replay_resume()');
    await caughtUp();
    expect((await search()).sort()).toEqual([a.code, b.code].sort());
    expect((await api('officer', 'GET', inclusion)).status).toBe(200);
    expect((await one<{ n: number }>(replica, recorded, [replicaSize])).n).toBe(1);
    expect(server!.output()).not.toMatch(/"level":50/);
  }, 40_000);
});
