import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { issueToken } from '../src/api/auth';
import { WitnessAlarm, witnessOnce } from '../src/cli/witness';
import { ConfigError, loadConfig } from '../src/config';
import { connectClient } from '../src/database-connect';
import { openCheckpoint } from '../src/custody/ledger/checkpoints';
import {
  COSIGNATURE_V1,
  ED25519,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
} from '../src/custody/ledger/note';
import { initOrm } from '../src/orm';
import { requireDebianTools } from './debian-tools';
import { makeAgency, makeUser, TEST_PASSWORD } from './factories';
import { freePort } from './ports';
import { ROOT, startServer, type ServerProcess } from './server-process';
import { phone } from './world';

requireDebianTools('pg_ctl');

const run = promisify(execFile);
const cluster = path.join(ROOT, 'scripts', 'pg-cluster.sh');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(50))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

describe('DATABASE_URL with several hosts, in the configuration', () => {
  test("is taken in libpq's form, hosts in order, with target_session_attrs", () => {
    const url = 'postgres://custody:secret@db1:5432,db2:5433/custody?target_session_attrs=read-write&connect_timeout=3';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  test.each([
    ['postgres://custody@db1:5432,,db2/custody', 'host 2 of 3 is empty: list them as host:port,host:port'],
    [
      'postgres://custody@db1:5432,db2:54x/custody',
      'host 2 of 2 ("db2:54x") has a port that is not a number from 1 to 65535',
    ],
    [
      'postgres://custody@db1,db2/custody?target_session_attrs=standby',
      'target_session_attrs must be any or read-write, not "standby"',
    ],
    ['postgres://custody@db1,db2/custody?connect_timeout=soon', 'connect_timeout must be a whole number of seconds'],
    ['mysql://db1,db2/custody', 'must be a postgres:// or postgresql:// URL'],
  ])('%s is refused in one line saying why', (url, why) => {
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(
      new ConfigError(`invalid configuration: DATABASE_URL: ${why}`),
    );
  });
});

/** What the test reads of the server's answers. */
interface Body {
  id?: string;
  detail?: string;
  items?: { code: string }[];
  event?: { index: number; leafHash: string };
  locationCode?: string;
  ok?: boolean;
  size?: number;
  failure?: unknown;
}

interface Answer {
  client: number;
  command: 'move' | 'register';
  /** When the answer came, against the kill and the promotion. */
  at: number;
  /** The HTTP status, or what fetch threw. */
  status: number | string;
  detail?: string;
  /** A move's event, as the answer gave it. */
  event?: { index: number; leafHash: string };
  /** A registration's item. */
  code?: string;
}

describe('failover to a synchronous standby of Debian PostgreSQL on loopback', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.chmodSync(dir, 0o711);
    dirs.push(dir);
    return dir;
  };
  let primaryDir: string;
  let standbyDir: string;
  let server: ServerProcess | undefined;
  let orm: MikroORM | undefined;
  let standby: pg.Client | undefined;
  let ports: { primary: number; standby: number };
  let base: string;
  let dataDir: string;
  const auth = { officer: '', warehouse: '', admin: '', inspector: '' };
  let handedOverBy: { username: string; password: string };
  const logKey = generateSignerKey('custody.test/failover', ED25519);
  const logSigner = parseSignerKey(logKey);
  const witnessSigner = parseSignerKey(generateSignerKey('witness.test/inspectorate', COSIGNATURE_V1));

  const api = async (who: keyof typeof auth, method: string, route: string, body?: object) => {
    const res = await fetch(`${base}/api/v1${route}`, {
      method,
      headers: { authorization: auth[who], ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Body };
  };
  const expectStatus = async (expected: number, answer: Promise<{ status: number; body: Body }>) => {
    const { status, body } = await answer;
    if (status !== expected) throw new Error(`expected ${expected}, got ${status}: ${JSON.stringify(body)}`);
    return body;
  };

  beforeAll(async () => {
    primaryDir = tempDir('custody-primary-');
    standbyDir = tempDir('custody-standby-');
    await run(cluster, ['start', primaryDir]);
    const { stdout } = await run(cluster, ['standby', standbyDir, primaryDir]);
    const standbyUrl = stdout.match(/STANDBY_URL=(\S+)/)![1]!;
    // Both hosts, the primary first; only one that accepts writes will do.
    const url = stdout.match(/DATABASE_URL='([^']+)'/)![1]!;
    ports = {
      primary: Number(fs.readFileSync(path.join(primaryDir, 'port'), 'utf8')),
      standby: Number(new URL(standbyUrl).port),
    };
    expect(url).toMatch(
      /^postgres:\/\/postgres@127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/postgres\?target_session_attrs=read-write$/,
    );
    const port = await freePort();
    const secret = 'failover test secret, 32 characters or more';
    dataDir = tempDir('custody-failover-server-');
    server = startServer({
      DATABASE_URL: url,
      JWT_SECRET: secret,
      PORT: String(port),
      MQTT_PORT: String(await freePort()),
      CUSTODY_DATA_DIR: dataDir,
      CUSTODY_ADMIN_PASSWORD: 'failover passphrase 2026',
      CUSTODY_LEDGER_KEY: logKey,
      CUSTODY_WITNESS_KEYS: formatVerifierKey(witnessSigner),
      CHECKPOINT_INTERVAL_SECONDS: '1',
      VERIFY_INTERVAL_SECONDS: '0',
    });
    await server.ready(port);
    base = `http://127.0.0.1:${port}`;
    standby = new pg.Client({ connectionString: standbyUrl });
    await standby.connect();

    // People made in the database through the same two-host URL, with tokens signed as the server signs them.
    orm = await initOrm({ url, poolMax: 2 });
    const em = orm.em.fork();
    const police = await makeAgency(em, { kind: 'police' });
    const centre = await makeAgency(em, { kind: 'custody_centre' });
    const people = {
      officer: await makeUser(em, { roles: ['officer'], agency: police }),
      warehouse: await makeUser(em, { roles: ['warehouse'], agency: centre }),
      admin: await makeUser(em, { roles: ['admin'], agency: centre }),
      inspector: await makeUser(em, { roles: ['inspector'], agency: centre }),
    };
    for (const who of Object.keys(auth) as (keyof typeof auth)[])
      auth[who] = `Bearer ${issueToken({ secret, ttlSeconds: 600 }, people[who].user).accessToken}`;
    await orm.close(true);
    orm = undefined;
    handedOverBy = { username: people.officer.user.username, password: TEST_PASSWORD };
  }, 60_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await orm?.close(true);
    await standby?.end().catch(() => undefined);
    for (const dir of [standbyDir, primaryDir]) if (dir) await run(cluster, ['stop', dir]).catch(() => undefined);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a connection takes the first host that accepts writes, a standby listed first passed over', async () => {
    const hosts = (order: number[], attrs: string) =>
      `postgres://postgres@${order.map((p) => `127.0.0.1:${p}`).join(',')}/postgres?target_session_attrs=${attrs}`;
    const portOf = async (url: string) => {
      const client = await connectClient(url);
      try {
        return Number((await client.query<{ port: number }>('select inet_server_port() as port')).rows[0]!.port);
      } finally {
        await client.end();
      }
    };
    expect(await portOf(hosts([ports.standby, ports.primary], 'read-write'))).toBe(ports.primary);
    expect(await portOf(hosts([ports.standby, ports.primary], 'any'))).toBe(ports.standby);
    const closed = await freePort();
    await expect(portOf(hosts([closed, ports.standby], 'read-write'))).rejects.toMatchObject({
      code: '08001',
      message: expect.stringMatching(
        new RegExp(
          `^no database host accepts writes \\(127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED.*; 127\\.0\\.0\\.1:${ports.standby}: read-only\\)$`,
        ),
      ),
    });
  });

  test('the primary killed under 16 clients, the standby promoted: nothing answered is lost, the log goes on, witnessed and verified', async () => {
    // A site with two shelves, a case, and one stored item for each client that moves.
    for (const [code, kind, parentCode] of [
      ['FO-SITE', 'site'],
      ['FO-ZONE', 'zone', 'FO-SITE'],
      ['FO-ROOM', 'room', 'FO-ZONE'],
      ['FO-A', 'shelf', 'FO-ROOM'],
      ['FO-B', 'shelf', 'FO-ROOM'],
    ])
      await expectStatus(201, api('admin', 'POST', '/locations', { code, name: code, kind, parentCode }));
    const { id: caseId } = await expectStatus(
      201,
      api('officer', 'POST', '/cases', { caseNumber: 'FAILOVER-1', title: 'Failover', openedOn: '2026-12-01' }),
    );
    const { items } = await expectStatus(
      201,
      api('officer', 'POST', `/cases/${caseId}/items`, { items: Array(8).fill(phone) }),
    );
    const codes = items!.map((i) => i.code);
    await expectStatus(201, api('warehouse', 'POST', '/handovers', { itemCodes: codes, handedOverBy }));
    for (const code of codes)
      await expectStatus(200, api('warehouse', 'POST', `/items/${code}/check-in`, { locationCode: 'FO-A' }));

    // The witness, as `npm run witness` runs it, every 300 ms throughout: it keeps what it last cosigned.
    const stateFile = path.join(tempDir('custody-failover-witness-'), 'state.json');
    const witnessed = () =>
      fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { size: number }).size : 0;
    const alarms: string[] = [];
    let witnessing = true;
    const witness = (async () => {
      const options = {
        server: base,
        logKey: parseVerifierKey(formatVerifierKey(logSigner)),
        signer: witnessSigner,
        stateFile,
        log: () => {},
      };
      while (witnessing) {
        await witnessOnce(options).catch((err: unknown) => {
          if (err instanceof WitnessAlarm) alarms.push(err.message);
        });
        await sleep(300);
      }
    })();
    await until(() => witnessed() > 0, 'the witness to cosign a first checkpoint');

    // 16 clients: 8 move their item from shelf to shelf (the group commit), 8 register items (the ORM's path).
    const answers: Answer[] = [];
    let loading = true;
    const clients = Array.from({ length: 16 }, async (_, client) => {
      const command = client < 8 ? 'move' : 'register';
      let shelf: string | undefined = 'FO-A';
      while (loading) {
        // A move that failed may have been carried out all the same: where the item is, is asked again.
        if (command === 'move' && !shelf) {
          const item = await api('warehouse', 'GET', `/items/${codes[client]}`).catch(() => null);
          if (item?.status === 200) shelf = item.body.locationCode;
          else await sleep(100);
          continue;
        }
        const target = shelf === 'FO-A' ? 'FO-B' : 'FO-A';
        const request =
          command === 'move'
            ? api('warehouse', 'POST', `/items/${codes[client]}/move`, { locationCode: target })
            : api('officer', 'POST', `/cases/${caseId}/items`, { items: [phone] });
        const answer: Answer = await request.then(
          ({ status, type, body }) => ({
            client,
            command,
            at: Date.now(),
            status,
            ...(status >= 400 ? { detail: `${type.split(';')[0]} ${body.detail}` } : {}),
            ...(command === 'move' && status === 200 ? { event: body.event } : {}),
            ...(command === 'register' && status === 201 ? { code: body.items![0]!.code } : {}),
          }),
          (err: Error) => ({ client, command, at: Date.now(), status: String(err.cause ?? err.message) }),
        );
        answers.push(answer);
        if (command === 'move') shelf = answer.status === 200 ? target : undefined;
        if (typeof answer.status !== 'number' || answer.status >= 500) await sleep(100);
      }
    });
    const ok = (a: Answer) => a.status === 200 || a.status === 201;

    // Under way: commands answered, and a checkpoint of the load's witnessed; then the primary dies.
    const loadStart = (await standby!.query<{ size: string }>('select size from ledger_head')).rows[0]!.size;
    await until(
      () => answers.filter(ok).length >= 80 && witnessed() > Number(loadStart),
      'commands and a witnessed checkpoint under load',
    );
    const witnessedBeforeKill = witnessed();
    const killedAt = Date.now();
    await run(cluster, ['kill', primaryDir]);
    // The standby holds every commit the primary answered; its size now is where the old primary's log ended.
    await sleep(500);
    const sizeAtFailover = Number(
      (await standby!.query<{ size: string }>('select size from ledger_head')).rows[0]!.size,
    );
    await run(cluster, ['promote', standbyDir]);
    const promotedAt = Date.now();

    // The clients go on, against the promoted standby, found by the server on its own.
    await until(() => answers.filter((a) => ok(a) && a.at > promotedAt).length >= 48, 'commands after the promotion');
    // The signer goes on, and the witness cosigns a checkpoint signed after the failover.
    await until(() => witnessed() > sizeAtFailover, 'a checkpoint after the failover, cosigned');
    loading = false;
    await Promise.all(clients);
    witnessing = false;
    await witness;

    // Commands were answered before the kill; the rest, refused while no primary took writes, each a 503
    // problem naming the database (those cut off in flight saying they may have been carried out): never a
    // 500, a dropped connection or a hang (fetch gives up after 15 s).
    expect(answers.filter((a) => ok(a) && a.at < killedAt).length).toBeGreaterThanOrEqual(80);
    const refused = answers.filter((a) => !ok(a));
    for (const a of refused)
      expect({ status: a.status, detail: a.detail }).toEqual({
        status: 503,
        detail: expect.stringMatching(/^application\/problem\+json the (connection to the )?database/),
      });
    expect(refused.filter((a) => a.at >= killedAt).length).toBeGreaterThan(0);
    expect(refused.some((a) => a.detail!.includes('may or may not have been carried out'))).toBe(true);

    // Every command answered is in the new primary's ledger: each move's event at its index, each item registered.
    const events = new Map(
      (
        await standby!.query<{ idx: string; leaf: string }>(
          `select idx, encode(leaf_hash, 'hex') as leaf from ledger_events`,
        )
      ).rows.map((r) => [Number(r.idx), r.leaf]),
    );
    for (const a of answers.filter((x) => ok(x) && x.event))
      expect({ index: a.event!.index, leafHash: events.get(a.event!.index) }).toEqual({
        index: a.event!.index,
        leafHash: a.event!.leafHash,
      });
    const registered = answers.filter((a) => ok(a) && a.code).map((a) => a.code!);
    const found = await standby!.query<{ code: string }>(
      `select i.code from items i join ledger_events e on e.item_id = i.id and e.item_seq = 1 and e.type = 'registered' where i.code = any ($1)`,
      [registered],
    );
    expect(found.rows.map((r) => r.code).sort()).toEqual([...registered].sort());

    // Gap-free: 0 … n − 1, each once, n the head's size.
    const { size } = (await standby!.query<{ size: string }>('select size from ledger_head')).rows[0]!;
    expect(events.size).toBe(Number(size));
    expect([...events.keys()].every((idx) => idx >= 0 && idx < Number(size))).toBe(true);

    // The checkpoint signed after the failover, cosigned by the witness, which checked it against the last
    // one it had seen (its alarm would have been raised otherwise).
    expect(alarms).toEqual([]);
    expect(witnessedBeforeKill).toBeLessThanOrEqual(sizeAtFailover);
    const after = await standby!.query<{ size: string; note: string; witness: string }>(
      `select c.size, c.note, s.witness_name as witness from checkpoints c join cosignatures s on s.checkpoint_size = c.size
        where c.size > $1 order by c.size limit 1`,
      [sizeAtFailover],
    );
    expect(after.rows[0]).toMatchObject({ witness: 'witness.test/inspectorate' });
    expect(openCheckpoint(after.rows[0]!.note, parseVerifierKey(formatVerifierKey(logSigner))).size).toBe(
      Number(after.rows[0]!.size),
    );
    // The signer's own copy outside the database: one note per size, however the failover fell.
    const file = fs.readFileSync(path.join(dataDir, 'checkpoints.log'), 'utf8');
    const notesBySize = new Map<string, Set<string>>();
    for (const note of file.split(/^(?=custody\.test\/failover$)/m).filter(Boolean)) {
      const noteSize = note.split('\n')[1]!;
      notesBySize.set(noteSize, (notesBySize.get(noteSize) ?? new Set()).add(note.trim()));
    }
    expect(notesBySize.size).toBeGreaterThan(1);
    expect([...notesBySize.values()].filter((notes) => notes.size > 1)).toEqual([]);

    // The notifications and the signer's lease are held on the new primary (a lost LISTEN is tried again
    // every second).
    const sessions = async () =>
      (
        await standby!.query<{ name: string }>(
          `select application_name as name from pg_stat_activity where application_name like 'custody%'`,
        )
      ).rows.map((r) => r.name);
    const held = ['custody caller changes', 'custody changes', 'custody checkpoint signer'];
    await until(async () => {
      const names = await sessions();
      return held.every((name) => names.includes(name));
    }, 'the LISTEN connections and the signer lease on the new primary');

    // verify passes on the new primary: every hash, both chains, the tree and every items row.
    const verified = await api('inspector', 'GET', '/ledger/verify');
    expect({ status: verified.status, ok: verified.body.ok, failure: verified.body.failure }).toEqual({
      status: 200,
      ok: true,
      failure: null,
    });
    expect(verified.body.size).toBeGreaterThanOrEqual(Number(size));
    expect(server!.output()).not.toMatch(/unhandled error/);
  }, 90_000);
});
