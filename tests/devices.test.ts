import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { deviceMessageSchemas } from '../src/devices/schema';
import { sweepSilentLockers } from '../src/devices/presence';
import { createTestContext, type TestContext } from './context';
import { as, buildWorld, credentialsOf, received as receivedItems, register, stored, type World } from './world';
import { signInAt } from './operator';
import { freePort } from './ports';
import { ROOT, startServer, type ServerProcess } from './server-process';

/**
 * Devices against the real server process: its embedded aedes broker, real mqtt.js clients, one PostgreSQL
 * database shared with the in-process app that sets up the world (same JWT secret, so the same tokens work).
 */

let ctx: TestContext;
let world: World;
let server: ServerProcess;
let stopping = false;
let api: string;
let broker: string;
let secureBroker: string;
let webBroker: string;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-devices-'));

beforeAll(async () => {
  ctx = await createTestContext();
  world = await buildWorld(ctx);
  const [port, mqttPort, tlsPort, wsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  api = `http://127.0.0.1:${port}/api/v1`;
  broker = `mqtt://127.0.0.1:${mqttPort}`;
  secureBroker = `mqtts://127.0.0.1:${tlsPort}`;
  webBroker = `ws://127.0.0.1:${wsPort}`;
  // A self-signed certificate for the TLS listener.
  await new Promise<void>((resolve, reject) =>
    execFile(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dataDir, 'tls.key'),
        '-out',
        path.join(dataDir, 'tls.crt'),
      ],
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  server = startServer({
    DATABASE_URL: ctx.url,
    JWT_SECRET: ctx.tokens.secret,
    PORT: String(port),
    MQTT_PORT: String(mqttPort),
    CUSTODY_DATA_DIR: dataDir,
    MQTT_TLS_PORT: String(tlsPort),
    MQTT_TLS_CERT: path.join(dataDir, 'tls.crt'),
    MQTT_TLS_KEY: path.join(dataDir, 'tls.key'),
    MQTT_WS_PORT: String(wsPort),
  });
  // If the server dies during the tests, say why.
  server.child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`server exited (${code ?? signal}):\n${server.output()}\n`);
  });
  await server.ready(port);
}, 60_000);

afterAll(async () => {
  stopping = true;
  await server.stop();
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function registerDevice(body: object): Promise<{ id: string; password: string; topic: string }> {
  const res = await fetch(`${api}/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: world.people.admin.auth },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; password: string; topic: string };
}

/** A scanner: connected with its own credentials, subscribed to its acks, the warehouse user signed in at it. */
async function connect(device: { id: string; password: string; topic: string }): Promise<{
  client: MqttClient;
  acks: Record<string, unknown>[];
  scan: (body: object) => Promise<Record<string, unknown>>;
}> {
  const client = await mqtt.connectAsync(broker, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 0,
  });
  const acks: Record<string, unknown>[] = [];
  const waiting = new Map<string, (ack: Record<string, unknown>) => void>();
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString());
    acks.push(ack);
    waiting.get(ack.msgId)?.(ack);
  });
  await client.subscribeAsync(`${device.topic}ack`, { qos: 1 });
  const session = await signInAt(api, world.people.warehouse.auth, client, device);
  acks.length = 0;
  let seq = 0;
  const scan = (body: object) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const message = {
        v: 1,
        seq: seq++,
        bootId: 'boot-1',
        deviceTime: new Date().toISOString(),
        session,
        ...body,
      } as unknown as { msgId: string };
      waiting.set(message.msgId, resolve);
      setTimeout(() => reject(new Error(`no ack for ${message.msgId}`)), 10_000).unref();
      void client.publishAsync(`${device.topic}evt/scan`, JSON.stringify(message), { qos: 1 });
    });
  return { client, acks, scan };
}

const received = async () => (await receivedItems(ctx, world))[0]!;

const events = async (code: string) =>
  (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items as {
    type: string;
    envelope: { device: string | null; occurredAt: string; recordedAt: string; payload: Record<string, unknown> };
  }[];

describe('scanners', () => {
  test('a scan is answered committed only after the commit; the same message again is a duplicate with one event', async () => {
    const device = await registerDevice({
      code: 'SCAN-IN-1',
      kind: 'scanner',
      mode: 'check_in',
      locationCode: world.loc('SHELF-1'),
    });
    const { client, scan } = await connect(device);
    try {
      const code = await received();
      const deviceTime = new Date().toISOString();
      const first = await scan({ msgId: 'msg-0001', code, deviceTime });
      expect(first).toMatchObject({
        status: 'committed',
        item: { code, state: 'stored', location: world.loc('SHELF-1') },
      });
      const history = await events(code);
      expect(history.at(-1)).toMatchObject({
        type: 'check_in',
        envelope: { device: device.id, occurredAt: deviceTime },
      });

      const again = await scan({ msgId: 'msg-0001', code, deviceTime });
      expect(again).toMatchObject({ status: 'duplicate', event: first.event });
      expect((await events(code)).filter((e) => e.type === 'check_in')).toHaveLength(1);
    } finally {
      await client.endAsync();
    }
  });

  test('a location label sets where the next items go; a refused scan says why and changes nothing', async () => {
    const device = await registerDevice({ code: 'SCAN-IN-2', kind: 'scanner', mode: 'check_in' });
    const { client, scan } = await connect(device);
    try {
      const code = await received();
      expect(await scan({ msgId: 'a-1', code })).toMatchObject({
        status: 'rejected',
        reason: 'scan a location label first',
      });
      expect(await scan({ msgId: 'a-2', code: world.loc('SHELF-2') })).toMatchObject({
        status: 'committed',
        reason: `location ${world.loc('SHELF-2')}`,
      });
      expect(await scan({ msgId: 'a-3', code })).toMatchObject({
        status: 'committed',
        item: { location: world.loc('SHELF-2') },
      });
      const [registered] = await register(ctx, world);
      const refused = await scan({ msgId: 'a-4', code: registered });
      expect(refused).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/is registered: check_in is not allowed/),
      });
      expect((await events(registered!)).map((e) => e.type)).toEqual(['registered']);
      // Refusals are answered once too: the same message again gets the first refusal, as a duplicate.
      expect(await scan({ msgId: 'a-4', code: registered })).toEqual({ ...refused, status: 'duplicate' });
      expect(await scan({ msgId: 'a-1', code })).toMatchObject({
        status: 'duplicate',
        reason: 'scan a location label first',
      });
      expect(await scan({ msgId: 'a-5', code: 'NOT-A-CODE!' })).toMatchObject({ status: 'rejected' });
      expect(await scan({ msgId: 'a-6', code, operator: world.people.officer.user.username })).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/is not the operator signed in here/),
      });
    } finally {
      await client.endAsync();
    }
  });

  test('stations scanning at once: check-ins, refusals and resent messages each answered once', async () => {
    const stations = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) =>
        connect(
          await registerDevice({
            code: `SCAN-MANY-${i}`,
            kind: 'scanner',
            mode: 'check_in',
            locationCode: world.loc('SHELF-2'),
          }),
        ),
      ),
    );
    try {
      const codes = await Promise.all(stations.map(() => received()));
      const [registered] = await register(ctx, world);
      // Each station scans an item of its own, and the last one an item not handed over yet.
      const scans = (round: string) =>
        Promise.all(
          stations.map((station, i) =>
            station.scan({
              msgId: `many-${i}`,
              code: i === stations.length - 1 ? registered : codes[i],
              deviceTime: round,
            }),
          ),
        );
      const first = await scans('2026-11-23T07:00:00.000Z');
      expect(first.map((a) => a.status)).toEqual([
        'committed',
        'committed',
        'committed',
        'committed',
        'committed',
        'rejected',
      ]);
      const again = await scans('2026-11-23T07:05:00.000Z');
      expect(again).toEqual(first.map((answer) => ({ ...answer, status: 'duplicate' })));
      for (const code of codes.slice(0, -1))
        expect((await events(code)).filter((e) => e.type === 'check_in')).toHaveLength(1);
      expect((await events(registered!)).map((e) => e.type)).toEqual(['registered']);
      const [{ n }] = (await ctx.orm.em
        .fork()
        .execute<{ n: string }[]>(
          `select count(*) as n from device_messages m join devices d on d.id = m.device_id where d.code like 'SCAN-MANY-%' and m.topic like '%/evt/scan'`,
        )) as [{ n: string }];
      expect(Number(n)).toBe(stations.length);
    } finally {
      for (const station of stations) await station.client.endAsync();
    }
  });

  test('a message recorded by another transaction while its check-in waited is answered as that duplicate, and changes nothing', async () => {
    const device = await registerDevice({
      code: 'SCAN-RACE',
      kind: 'scanner',
      mode: 'check_in',
      locationCode: world.loc('SHELF-1'),
    });
    const { client, scan } = await connect(device);
    // Another instance handling the same message at the same moment: its record is in, not yet committed.
    const other = new pg.Client({ connectionString: ctx.url });
    await other.connect();
    try {
      const code = await received();
      const first = { v: 1, msgId: 'race-1', status: 'committed', reason: 'handled by the other instance' };
      await other.query('begin');
      await other.query(
        `insert into device_messages (device_id, message_id, topic, status, answer) values ($1, 'race-1', 'evt/scan', 'committed', $2)`,
        [device.id, first],
      );
      const answer = scan({ msgId: 'race-1', code });
      for (let i = 0; ; i++) {
        const {
          rows: [waiting],
        } = await other.query(
          `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
        );
        if (waiting.n !== '0') break;
        if (i > 200) throw new Error('the scan never waited for the other record');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await other.query('commit');
      expect(await answer).toEqual({ ...first, status: 'duplicate' });
      expect((await events(code)).map((e) => e.type)).not.toContain('check_in');
    } finally {
      await other.end();
      await client.endAsync();
    }
  });

  test("buffered scans sent after a time offline are handled in order, recorded at the server's time with their device time kept, and marked as replayed", async () => {
    const device = await registerDevice({
      code: 'SCAN-IN-3',
      kind: 'scanner',
      mode: 'check_in',
      locationCode: world.loc('SHELF-1'),
    });
    const { client, scan, acks } = await connect(device);
    try {
      const codes = [await received(), await received(), await received()];
      const offline = Date.now() - 3_600_000;
      const times = [0, 1, 2].map((minute) => new Date(offline + minute * 60_000).toISOString());
      const answers = await Promise.all(
        codes.map((code, i) => scan({ msgId: `buf-${i}`, code, deviceTime: times[i], replayed: true })),
      );
      expect(answers.map((a) => a.status)).toEqual(['committed', 'committed', 'committed']);
      expect(acks.map((a) => a.msgId).filter((id) => String(id).startsWith('buf-'))).toEqual([
        'buf-0',
        'buf-1',
        'buf-2',
      ]);
      const indices = answers.map((a) => (a.event as { index: number }).index);
      expect([...indices].sort((x, y) => x - y)).toEqual(indices);
      for (const [i, code] of codes.entries()) {
        const { envelope } = (await events(code)).at(-1)!;
        expect(envelope).toMatchObject({
          occurredAt: envelope.recordedAt,
          payload: { replayed: true, deviceTime: times[i], deviceTimeFlag: 'far_from_server_time' },
        });
      }
    } finally {
      await client.endAsync();
    }
  });
});

test('an audit-mode scanner counts what it reads in the inventory open where it stands', async () => {
  const [code] = await stored(ctx, world);
  const audit = await as(ctx, world.people.warehouse).post('/audits', { locationCode: world.loc('ROOM-1') });
  const device = await registerDevice({
    code: 'SCAN-AUDIT',
    kind: 'scanner',
    mode: 'audit',
    locationCode: world.loc('SHELF-1'),
  });
  const { client, scan } = await connect(device);
  try {
    expect(await scan({ msgId: 'count-1', code })).toMatchObject({
      status: 'committed',
      reason: 'counted in inventory',
    });
  } finally {
    await client.endAsync();
  }
  const closed = await as(ctx, world.people.warehouse).post(`/audits/${audit.body.id}/close`);
  expect(closed.body.found).toContain(code);
});

describe('lockers', () => {
  const post = (path: string, who: { auth: string }, body: object = {}) =>
    fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: who.auth },
      body: JSON.stringify(body),
    });

  /** A locker's client: sends events, and collects its acks and the commands it receives. */
  async function lockerClient(device: { id: string; password: string; topic: string }) {
    const client = await mqtt.connectAsync(broker, {
      clientId: device.id,
      username: device.id,
      password: device.password,
      reconnectPeriod: 0,
    });
    const acks = new Map<string, (ack: Record<string, unknown>) => void>();
    const commands: Record<string, unknown>[] = [];
    client.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString());
      if (topic.endsWith('/ack')) acks.get(body.msgId)?.(body);
      else commands.push(body);
    });
    await client.subscribeAsync([`${device.topic}ack`, `${device.topic}cmd/#`], { qos: 1 });
    let seq = 0;
    const send = (type: string, body: object) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const message = {
          v: 1,
          msgId: `${type}-${seq}`,
          seq: seq++,
          bootId: 'boot',
          deviceTime: new Date().toISOString(),
          ...body,
        } as { msgId: string };
        acks.set(message.msgId, resolve);
        setTimeout(() => reject(new Error(`no ack for ${message.msgId}`)), 10_000).unref();
        void client.publishAsync(`${device.topic}evt/${type}`, JSON.stringify(message), { qos: 1 });
      });
    return { client, send, commands };
  }

  test("a front-door deposit with the officer's credentials, then a retrieval through an unlock command", async () => {
    const device = await registerDevice({ code: 'LOCKER-1', kind: 'locker', locationCode: world.loc('LOCKER') });
    const locker = await lockerClient(device);
    try {
      const [code] = await register(ctx, world);
      const deposit = await locker.send('door', {
        compartment: world.loc('C1'),
        side: 'front',
        state: 'open',
        credential: credentialsOf(world.people.officer),
        itemCodes: [code],
      });
      expect(deposit).toMatchObject({ status: 'committed', reason: '1 deposited' });
      const stored = (await as(ctx, world.people.officer).get(`/items/${code}`)).body;
      expect(stored).toMatchObject({ state: 'in_locker', locationCode: world.loc('C1') });

      const unlock = await post(
        `/lockers/${device.id}/compartments/${world.loc('C1')}/unlock`,
        world.people.warehouse,
        { ttlSeconds: 60 },
      );
      expect(unlock.status).toBe(202);
      const command = (await unlock.json()) as { cmdId: string; expiresAt: string };
      for (let i = 0; i < 50 && locker.commands.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(locker.commands[0]).toMatchObject({ cmdId: command.cmdId, side: 'back', compartment: world.loc('C1') });
      const opened = await locker.send('door', {
        compartment: world.loc('C1'),
        side: 'back',
        state: 'open',
        cmdId: command.cmdId,
      });
      expect(opened).toMatchObject({ status: 'committed', reason: '1 retrieved' });
      const retrieved = (await as(ctx, world.people.officer).get(`/items/${code}`)).body;
      expect(retrieved).toMatchObject({ state: 'received', holderUserId: world.people.warehouse.user.id });
      const history = await events(code!);
      expect(history.slice(-2).map((e) => [e.type, e.envelope.device])).toEqual([
        ['locker_deposit', device.id],
        ['locker_retrieve', device.id],
      ]);
    } finally {
      await locker.client.endAsync();
    }
  });

  test('a door opened by an expired command is refused, and one with no command at all is a forced door: alert and ledger', async () => {
    const device = await registerDevice({ code: 'LOCKER-2', kind: 'locker', locationCode: world.loc('LOCKER') });
    const locker = await lockerClient(device);
    try {
      const [code] = await register(ctx, world);
      await locker.send('door', {
        compartment: world.loc('C2'),
        side: 'front',
        state: 'open',
        credential: credentialsOf(world.people.officer),
        itemCodes: [code],
      });
      const unlock = await post(
        `/lockers/${device.id}/compartments/${world.loc('C2')}/unlock`,
        world.people.warehouse,
        { ttlSeconds: 5 },
      );
      const command = (await unlock.json()) as { cmdId: string; expiresAt: string };
      // Its time has passed on the server's clock, which is the one that judges it.
      await ctx.orm.em
        .fork()
        .execute(`update locker_commands set expires_at = now() - interval '1 second' where id = ?`, [command.cmdId]);
      const opened = await locker.send('door', {
        compartment: world.loc('C2'),
        side: 'back',
        state: 'open',
        cmdId: command.cmdId,
      });
      expect(opened).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/refused, alert raised: unlock command expired/),
      });
      expect((await as(ctx, world.people.officer).get(`/items/${code}`)).body.state).toBe('in_locker');
      expect((await events(code!)).at(-1)).toMatchObject({
        type: 'alert',
        envelope: { payload: { kind: 'unlock_refused' }, device: device.id },
      });

      await locker.send('door', { compartment: world.loc('C2'), side: 'back', state: 'open' });
      await locker.send('tamper', { compartment: world.loc('C2'), kind: 'vibration' });
      const alerts = await as(ctx, world.people.warehouse).get('/alerts?limit=200');
      const kinds = alerts.body.items.map((a: { kind: string }) => a.kind);
      expect(kinds).toEqual(expect.arrayContaining(['unlock_refused', 'forced_door', 'tamper']));
    } finally {
      await locker.client.endAsync();
    }
  });

  test('a cold compartment that warms up raises one temperature alert', async () => {
    const admin = world.people.admin;
    for (const body of [
      { code: world.loc('COLD'), name: 'Cold room', kind: 'room', parentCode: world.loc('ZONE-G'), features: ['cold'] },
      { code: world.loc('FRIDGE'), name: 'Fridge locker', kind: 'locker', parentCode: world.loc('COLD') },
      { code: world.loc('F1'), name: 'Fridge 1', kind: 'compartment', parentCode: world.loc('FRIDGE') },
    ])
      expect((await post('/locations', admin, body)).status).toBe(201);
    const device = await registerDevice({ code: 'FRIDGE-1', kind: 'locker', locationCode: world.loc('FRIDGE') });
    const client = await mqtt.connectAsync(broker, {
      clientId: device.id,
      username: device.id,
      password: device.password,
      reconnectPeriod: 0,
    });
    try {
      for (const temperature of [4, 12, 13]) {
        await client.publishAsync(
          `${device.topic}tele`,
          JSON.stringify({ v: 1, deviceTime: new Date().toISOString(), compartment: world.loc('F1'), temperature }),
        );
      }
      let temperatureAlerts: unknown[] = [];
      for (let i = 0; i < 40 && temperatureAlerts.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        temperatureAlerts = (await as(ctx, world.people.warehouse).get('/alerts?kind=temperature')).body.items;
      }
      await new Promise((r) => setTimeout(r, 300));
      temperatureAlerts = (await as(ctx, world.people.warehouse).get('/alerts?kind=temperature')).body.items;
      expect(temperatureAlerts).toHaveLength(1);
      expect(temperatureAlerts[0]).toMatchObject({ message: expect.stringMatching(/12 °C, outside 2–8 °C/) });
    } finally {
      await client.endAsync();
    }
  });
});

test('presence: a retained status marks a device online; a silent locker raises one alert, resolved when heard again', async () => {
  const device = await registerDevice({ code: 'LOCKER-QUIET', kind: 'locker', locationCode: world.loc('LOCKER') });
  const offline = JSON.stringify({ v: 1, online: false });
  const client = await mqtt.connectAsync(broker, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 0,
    will: { topic: `${device.topic}status`, payload: Buffer.from(offline), qos: 1, retain: true },
  });
  await client.publishAsync(`${device.topic}status`, JSON.stringify({ v: 1, online: true }), { qos: 1, retain: true });
  const state = async () =>
    (await fetch(`${api}/devices/${device.id}`, { headers: { authorization: world.people.admin.auth } }).then((r) =>
      r.json(),
    )) as { online: boolean };
  for (let i = 0; i < 40 && !(await state()).online; i++) await new Promise((r) => setTimeout(r, 50));
  expect((await state()).online).toBe(true);
  client.stream.destroy(); // a dropped connection: the broker delivers the will
  for (let i = 0; i < 40 && (await state()).online; i++) await new Promise((r) => setTimeout(r, 50));
  expect((await state()).online).toBe(false);

  const later = new Date(Date.now() + 3600_000);
  const first = await sweepSilentLockers(ctx.orm.em.fork(), 60, later);
  expect(first.silent).toBeGreaterThanOrEqual(1);
  const again = await sweepSilentLockers(ctx.orm.em.fork(), 60, later);
  expect(again.silent).toBe(0);
  const alerts = await as(ctx, world.people.warehouse).get('/alerts?kind=device_silent&limit=200');
  expect(alerts.body.items.filter((a: { message: string }) => a.message.includes('LOCKER-QUIET'))).toHaveLength(1);
});

test('devices can also connect over TLS and over WebSocket', async () => {
  const device = await registerDevice({ code: 'SCAN-TLS', kind: 'scanner', mode: 'check_in' });
  const ca = fs.readFileSync(path.join(dataDir, 'tls.crt'));
  for (const [url, extra] of [
    [secureBroker, { ca }],
    [webBroker, {}],
  ] as const) {
    const client = await mqtt.connectAsync(url, {
      clientId: device.id,
      username: device.id,
      password: device.password,
      reconnectPeriod: 0,
      ...extra,
    });
    expect(client.connected).toBe(true);
    await client.endAsync();
  }
  await expect(
    mqtt.connectAsync(secureBroker, {
      clientId: device.id,
      username: device.id,
      password: device.password,
      reconnectPeriod: 0,
    }),
  ).rejects.toThrow(/self.signed|certificate/i);
});

describe('device rights', () => {
  test('a wrong password is refused', async () => {
    const device = await registerDevice({ code: 'SCAN-PW', kind: 'scanner', mode: 'check_in' });
    await expect(
      mqtt.connectAsync(broker, { clientId: device.id, username: device.id, password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  test("a device cannot subscribe to another device's topic, and publishing there gets it disconnected", async () => {
    const mine = await registerDevice({ code: 'SCAN-A', kind: 'scanner', mode: 'check_in' });
    const theirs = await registerDevice({ code: 'SCAN-B', kind: 'scanner', mode: 'check_in' });
    const client = await mqtt.connectAsync(broker, {
      clientId: mine.id,
      username: mine.id,
      password: mine.password,
      reconnectPeriod: 0,
    });
    try {
      // Refused with the failure code 0x80; the connection stays up.
      await expect(client.subscribeAsync(`${theirs.topic}ack`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
      expect(client.connected).toBe(true);
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      const code = await received();
      client.publish(
        `${theirs.topic}evt/scan`,
        JSON.stringify({ v: 1, msgId: 'x', seq: 0, bootId: 'b', deviceTime: new Date().toISOString(), code }),
        { qos: 1 },
      );
      await closed;
      await new Promise((r) => setTimeout(r, 300));
      expect((await events(code)).map((e) => e.type)).toEqual(['registered', 'handover']);
    } finally {
      await client.endAsync(true);
    }
  });

  test('a disabled device is cut off at once and refused after', async () => {
    const device = await registerDevice({ code: 'SCAN-OFF', kind: 'scanner', mode: 'check_in' });
    const client = await mqtt.connectAsync(broker, {
      clientId: device.id,
      username: device.id,
      password: device.password,
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const res = await fetch(`${api}/devices/${device.id}/disable`, {
      method: 'POST',
      headers: { authorization: world.people.admin.auth },
    });
    expect(res.status).toBe(200);
    await closed;
    await expect(
      mqtt.connectAsync(broker, {
        clientId: device.id,
        username: device.id,
        password: device.password,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    await client.endAsync(true);
  });
});

test('the committed JSON Schema for device makers is the one the server validates with', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'device-messages.schema.json'), 'utf8'));
  expect(committed).toEqual(JSON.parse(JSON.stringify(deviceMessageSchemas())));
});

describe('hostile device messages', () => {
  const injection = fc.constantFrom(
    "'; drop table ledger_events; --",
    '<script>alert(1)</script>',
    '\u0000',
    '${jndi:ldap://x}',
    '../../etc/passwd',
    '黑'.repeat(2000),
    '9'.repeat(400),
  );
  const value = fc.oneof(
    injection,
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.constant(1e308),
    fc.constant(-1),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 4 }),
    fc.object({ maxDepth: 2 }),
  );
  // Messages shaped like real ones with hostile fields, and bytes that are not messages at all.
  const payload = fc.oneof(
    fc
      .record(
        {
          v: fc.oneof(fc.constant(1), value),
          msgId: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), value),
          seq: value,
          bootId: value,
          deviceTime: value,
          code: value,
          operator: value,
          session: value,
          action: value,
          compartment: value,
          side: value,
          state: value,
          credential: value,
          itemCodes: value,
          replayed: value,
          requestId: value,
        },
        { requiredKeys: ['v', 'msgId'] },
      )
      .map((m) => Buffer.from(JSON.stringify(m))),
    fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j))),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.string().map((s) => Buffer.from(s)),
    fc.constantFrom(
      Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`),
      Buffer.from(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
      Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]),
      Buffer.alloc(0),
    ),
  );
  const rests = [
    'evt/scan',
    'evt/operator',
    'evt/door',
    'evt/occupancy',
    'evt/tamper',
    'evt/unheard_of',
    'tele',
    'status',
    'cmd/res',
  ];

  // A message over the broker's packet bound cuts its sender off (tests/devices-hostile.test.ts); these are all under it.
  test('thousands of malformed, wrongly typed and hostile messages on every device topic: no error, no event, still ready', async () => {
    const scanner = await registerDevice({
      code: 'SCAN-FUZZ',
      kind: 'scanner',
      mode: 'check_in',
      locationCode: world.loc('SHELF-1'),
    });
    const locker = await registerDevice({ code: 'LOCKER-FUZZ', kind: 'locker', locationCode: world.loc('LOCKER') });
    const eventCount = async () =>
      Number((await ctx.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ledger_events'))[0]!.n);
    const code = await received();
    const before = await eventCount();
    const logged = server.output().length;
    for (const device of [scanner, locker]) {
      const client = await mqtt.connectAsync(broker, {
        clientId: device.id,
        username: device.id,
        password: device.password,
        reconnectPeriod: 0,
      });
      try {
        const messages = fc.sample(payload, 1200);
        await Promise.all(
          messages.map((body, i) => client.publishAsync(`${device.topic}${rests[i % rests.length]}`, body, { qos: 1 })),
        );
      } finally {
        await client.endAsync();
      }
    }
    // Topics outside a device's rights, some of them very odd: each gets the publisher cut off, nothing else.
    const topics = fc.sample(
      fc
        .array(
          fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[#+]/.test(s) && !s.includes('\u0000')),
          { minLength: 1, maxLength: 8 },
        )
        .map((parts) => parts.join('/')),
      30,
    );
    for (const topic of [
      ...topics,
      `${locker.topic}evt/scan/extra`,
      'custody/v1/scanner/someone-else/evt/scan',
      '$SYS/broker/clients',
    ]) {
      const client = await mqtt.connectAsync(broker, {
        clientId: scanner.id,
        username: scanner.id,
        password: scanner.password,
        reconnectPeriod: 0,
      });
      client.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish(topic, JSON.stringify({ v: 1, msgId: 'stray', seq: 0 }), { qos: 1 });
      await closed;
      await client.endAsync(true);
    }

    // A good scan afterwards is answered (the device's queue is in order, so everything before was handled).
    const { client, scan } = await connect(scanner);
    try {
      expect(await scan({ msgId: 'after-the-storm', code })).toMatchObject({ status: 'committed' });
    } finally {
      await client.endAsync();
    }
    expect(await eventCount()).toBe(before + 1);
    expect((await fetch(`${api.replace('/api/v1', '')}/readyz`)).status).toBe(200);
    expect(
      server
        .output()
        .slice(logged)
        .split('\n')
        .filter((line) => /"level":(50|60)/.test(line)),
    ).toEqual([]);
  }, 120_000);
});
