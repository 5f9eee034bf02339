import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import pg from 'pg';
import { verifyLedger } from '../src/custody/ledger/verify/verify';
import { createTestContext, type TestContext } from './context';
import { signInAt } from './operator';
import { freePort } from './ports';
import { ROOT, startServer, type ServerProcess } from './server-process';
import { as, buildWorld, received, type World } from './world';
import { requireDebianTools } from './debian-tools';

requireDebianTools('pg_ctl');

/**
 * Faults against the real server process: killed with SIGKILL in the middle of commands and scans, and its
 * PostgreSQL stopped and started again under load. What was acknowledged must be in the ledger exactly once,
 * nothing else half-written, and the server must answer clearly while the database is away and recover alone.
 */
const run = promisify(execFile);
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o711);
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('the server (and with it the embedded broker) killed with SIGKILL in the middle of commands and scans', () => {
  let ctx: TestContext;
  let world: World;
  const servers: ServerProcess[] = [];
  const devices: mqtt.MqttClient[] = [];
  afterAll(async () => {
    for (const device of devices) await device.endAsync(true);
    for (const server of servers) await server.stop('SIGKILL');
    await ctx?.close();
  });

  test('every acknowledged command and scan is in the ledger exactly once, the rest whole or absent, and verify passes', async () => {
    ctx = await createTestContext();
    world = await buildWorld(ctx);
    const scanner = (
      await as(ctx, world.people.admin).post('/devices', {
        code: 'FAULT-SCAN',
        kind: 'scanner',
        mode: 'check_in',
        locationCode: world.loc('SHELF-2'),
      })
    ).body as { id: string; password: string; topic: string };
    const commandItems = await received(ctx, world, 300);
    const scanItems = await received(ctx, world, 60);
    const [port, mqttPort] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: ctx.serverUrl,
      DATABASE_OWNER_URL: ctx.url,
      JWT_SECRET: ctx.tokens.secret,
      PORT: String(port),
      MQTT_PORT: String(mqttPort),
      CUSTODY_DATA_DIR: tempDir('custody-faults-'),
    };
    servers.push(startServer(env));
    await servers[0]!.ready(port);

    // The scanner keeps every scan until the server acknowledges it, and sends the unacknowledged ones again
    // when it reconnects, as a real one does with its buffer.
    const acks = new Map<string, string>();
    const device = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: scanner.id,
      username: scanner.id,
      password: scanner.password,
      reconnectPeriod: 200,
    });
    devices.push(device);
    device.on('message', (_topic, payload) => {
      const ack = JSON.parse(payload.toString()) as { msgId: string; status: string };
      if (ack.msgId.startsWith('kill-')) acks.set(ack.msgId, ack.status);
    });
    device.on('error', () => undefined);
    let seq = 0;
    let session = '';
    const scan = (code: string) =>
      device.publish(
        `${scanner.topic}evt/scan`,
        JSON.stringify({
          v: 1,
          msgId: `kill-${code}`,
          seq: seq++,
          bootId: 'faults',
          deviceTime: new Date().toISOString(),
          code,
          session,
        }),
        { qos: 1 },
      );
    await new Promise<void>((resolve) => device.once('connect', () => resolve()));
    await device.subscribeAsync(`${scanner.topic}ack`, { qos: 1 });
    session = await signInAt(`http://127.0.0.1:${port}/api/v1`, world.people.warehouse.auth, device, scanner);

    // Four clients check items in through HTTP, each command under its own Idempotency-Key; the scanner scans
    // the others in, one every 15 ms.
    const checkIn = (code: string) =>
      fetch(`http://127.0.0.1:${port}/api/v1/items/${code}/check-in`, {
        method: 'POST',
        headers: {
          authorization: world.people.warehouse.auth,
          'content-type': 'application/json',
          'idempotency-key': `kill-${code}`,
        },
        body: JSON.stringify({ locationCode: world.loc('SHELF-2') }),
      });
    const acknowledged: string[] = [];
    const unanswered: string[] = [];
    let next = 0;
    const commands = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < commandItems.length) {
          const code = commandItems[next++]!;
          try {
            const res = await checkIn(code);
            if (res.status === 200) acknowledged.push(code);
            else throw new Error(`check-in answered ${res.status}: ${await res.text()}`);
          } catch (err) {
            if ((err as Error).message.startsWith('check-in answered')) throw err;
            unanswered.push(code); // the connection died with the server
          }
        }
      }),
    );
    const scanning = (async () => {
      for (const code of scanItems) {
        scan(code);
        await sleep(15);
      }
    })();
    await until(() => acknowledged.length >= 15 && acks.size >= 10, 'the first acknowledgements');
    await servers[0]!.stop('SIGKILL');
    await Promise.all([commands, scanning]);
    const scansAckedBeforeKill = new Map(acks);
    expect(acknowledged.length).toBeGreaterThanOrEqual(15);
    expect(unanswered.length).toBeGreaterThan(0);
    expect(scansAckedBeforeKill.size).toBeLessThan(scanItems.length);
    expect(acknowledged.length + unanswered.length).toBe(commandItems.length);

    servers.push(startServer(env));
    await servers[1]!.ready(port);
    await until(() => device.connected, 'the scanner to reconnect');
    for (const code of scanItems.filter((c) => !acks.has(`kill-${c}`))) scan(code);
    await until(() => acks.size === scanItems.length, `acks for all ${scanItems.length} scans (have ${acks.size})`);
    await device.endAsync();

    const em = ctx.orm.em.fork();
    const checkIns = new Map(
      (
        await em.execute<{ code: string; n: string }[]>(
          `select i.code, count(e.idx) as n from items i left join ledger_events e on e.item_id = i.id and e.type = 'check_in' where i.code = any (?::text[]) group by i.code`,
          [`{${[...commandItems, ...scanItems].join(',')}}`],
        )
      ).map((r) => [r.code, Number(r.n)]),
    );
    for (const code of acknowledged) expect({ code, checkIns: checkIns.get(code) }).toEqual({ code, checkIns: 1 });
    for (const code of unanswered) expect([0, 1]).toContain(checkIns.get(code));
    // A retry of an unanswered command with its key: run now if it never started, refused as carried out if it
    // committed before the kill, refused as still in progress if it was cut short (its key is not yet abandoned).
    for (const code of unanswered) {
      const retry = await checkIn(code);
      const after = Number(
        (
          await ctx.orm.em
            .fork()
            .execute<{ n: string }[]>(
              `select count(*) as n from ledger_events e join items i on i.id = e.item_id where i.code = ? and e.type = 'check_in'`,
              [code],
            )
        )[0]!.n,
      );
      const outcome =
        retry.status === 200
          ? 'ran'
          : ((await retry.json()) as { detail: string }).detail.includes('was carried out')
            ? 'carried out'
            : 'in progress';
      expect({ code, outcome, checkIns: after }).toEqual({
        code,
        outcome,
        checkIns: outcome === 'in progress' ? 0 : 1,
      });
      if (outcome === 'carried out') expect(checkIns.get(code)).toBe(1);
    }
    // Scans: acknowledged before the kill or after the resend, each exactly once (a resend of one already
    // committed is answered as a duplicate).
    for (const code of scanItems) expect({ code, checkIns: checkIns.get(code) }).toEqual({ code, checkIns: 1 });
    expect([...scansAckedBeforeKill.values()].every((s) => s === 'committed')).toBe(true);
    expect([...acks.values()].every((s) => s === 'committed' || s === 'duplicate')).toBe(true);
    // The items table, every chain and the tree replay from the ledger: nothing was half-written.
    expect(await verifyLedger(ctx.orm.em.fork())).toMatchObject({ ok: true, failure: null });
  }, 120_000);
});

describe('PostgreSQL stopped and started again under load', () => {
  const cluster = path.join(ROOT, 'scripts', 'pg-cluster.sh');
  let dir: string;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    if (dir) await run(cluster, ['stop', dir]).catch(() => undefined);
  });

  test('/readyz turns 503, commands get a 503 problem without hanging, and the server recovers by itself', async () => {
    dir = tempDir('custody-pg-');
    const { stdout } = await run(cluster, ['start', dir]);
    const url = stdout.match(/DATABASE_URL=(\S+)/)![1]!;
    const port = await freePort();
    const password = 'fault test passphrase 2026';
    server = startServer({
      DATABASE_URL: url,
      PORT: String(port),
      MQTT_PORT: String(await freePort()),
      CUSTODY_DATA_DIR: tempDir('custody-pg-server-'),
      CUSTODY_ADMIN_PASSWORD: password,
    });
    await server.ready(port);
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

    // Four clients create agencies without pause; every answer is recorded, and none may take 10 s.
    const answers: { status: number; type: string; body: { status?: number; detail?: string }; code: string }[] = [];
    let n = 0;
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (loading) {
          const code = `FAULT-${n++}`;
          const res = await fetch(`${base}/api/v1/agencies`, {
            method: 'POST',
            headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ code, name: 'Created under load', kind: 'court' }),
            signal: AbortSignal.timeout(10_000),
          });
          answers.push({
            status: res.status,
            type: res.headers.get('content-type') ?? '',
            body: (await res.json()) as object,
            code,
          });
          if (res.status !== 201) await sleep(50);
        }
      }),
    );
    const readiness = async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) })).status;

    await until(() => answers.filter((a) => a.status === 201).length >= 10, 'commands before the stop');
    await run(cluster, ['stop', dir]);
    await until(async () => (await readiness()) === 503, '/readyz to turn 503');
    const stoppedAt = answers.length;
    await until(() => answers.slice(stoppedAt).some((a) => a.status === 503), 'a command to be refused with 503');

    await run(cluster, ['start', dir]);
    await until(async () => (await readiness()) === 200, '/readyz to recover', 60_000);
    const recoveredAt = answers.length;
    await until(
      () => answers.slice(recoveredAt).filter((a) => a.status === 201).length >= 5,
      'commands to succeed again',
    );
    loading = false;
    await load;

    // On a failure, the server's error lines say why.
    if (answers.some((a) => a.status === 500))
      console.log(
        server
          .output()
          .split('\n')
          .filter((l) => l.includes('"level":50'))
          .join('\n'),
      );
    expect(server.child.exitCode).toBeNull();
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect({ status: a.status, type: a.type }).toEqual({
        status: 503,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(a.body).toMatchObject({ status: 503, detail: expect.stringMatching(/database/) });
    }
    // Every agency the server said it created is there; none of the refused ones is.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const codes = new Set(
      (await db.query<{ code: string }>(`select code from agencies where code like 'FAULT-%'`)).rows.map((r) => r.code),
    );
    await db.end();
    for (const a of answers)
      expect({ code: a.code, created: codes.has(a.code) }).toEqual({ code: a.code, created: a.status === 201 });
  }, 180_000);
});
