import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import request from 'supertest';
import { mosquittoFiles } from '../src/devices/mosquitto';
import { createTestContext, type TestContext } from './context';
import { as, buildWorld, credentialsOf, received as receivedItems, register, type World } from './world';
import { signInAt } from './operator';
import { freePort } from './ports';
import { startServer, type ServerProcess } from './server-process';
import { ED25519, generateSignerKey } from '../src/custody/ledger/note';
import { verifyLedger } from '../src/custody/ledger/verify/verify';
import { requireDebianTools } from './debian-tools';

requireDebianTools('/usr/sbin/mosquitto');

/**
 * The same device flows against Debian's Mosquitto 2.0 (`.ci/run` installs it), configured with the password
 * and ACL files the server writes, and two API instances sharing the device topics.
 */
const MOSQUITTO = '/usr/sbin/mosquitto';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-mosquitto-'));
const SERVER_PASSWORD = 'server-password-for-mosquitto';
let ctx: TestContext;
let world: World;
let broker: ChildProcess;
let brokerUrl: string;
const servers: (ServerProcess & { port: number; dataDir: string })[] = [];

async function startBroker(): Promise<void> {
  broker = spawn(MOSQUITTO, ['-c', path.join(dir, 'mosquitto.conf')]);
  await waitFor(
    async () =>
      (await mqtt
        .connectAsync(brokerUrl, { username: 'custody-server', password: SERVER_PASSWORD, reconnectPeriod: 0 })
        .then((c) => c.endAsync())) === undefined,
    'Mosquitto',
  );
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let device: { id: string; password: string; topic: string };
let other: { id: string; password: string; topic: string };
let locker: { id: string; password: string; topic: string };

beforeAll(async () => {
  expect(fs.existsSync(MOSQUITTO)).toBe(true);
  ctx = await createTestContext();
  world = await buildWorld(ctx);
  const registerDevice = async (code: string) =>
    (
      await request(ctx.app)
        .post('/api/v1/devices')
        .set('Authorization', world.people.admin.auth)
        .send({ code, kind: 'scanner', mode: 'check_in', locationCode: world.loc('SHELF-1') })
    ).body;
  device = await registerDevice('MQ-SCAN-1');
  other = await registerDevice('MQ-SCAN-2');
  locker = (
    await request(ctx.app)
      .post('/api/v1/devices')
      .set('Authorization', world.people.admin.auth)
      .send({ code: 'MQ-LOCKER', kind: 'locker', locationCode: world.loc('LOCKER') })
  ).body;

  const files = await mosquittoFiles(ctx.orm.em.fork(), { username: 'custody-server', password: SERVER_PASSWORD });
  fs.writeFileSync(path.join(dir, 'passwords'), files.passwords, { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'acl'), files.acl, { mode: 0o644 });
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${path.join(dir, 'passwords')}`,
      `acl_file ${path.join(dir, 'acl')}`,
      'persistence false',
      'max_packet_size 65536',
      ...(process.getuid?.() === 0 ? ['user root'] : []),
    ].join('\n') + '\n',
  );
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  await startBroker();

  // Two API instances on one database and one broker, sharing the device topics.
  // Both share the log's signing key (as a deployment must), and sign as often as they may.
  const ledgerKey = generateSignerKey('custody.test/scale-out', ED25519);
  for (let i = 0; i < 2; i++) {
    const httpPort = await freePort();
    const server = startServer({
      DATABASE_URL: ctx.serverUrl,
      DATABASE_OWNER_URL: ctx.url,
      JWT_SECRET: ctx.tokens.secret,
      PORT: String(httpPort),
      MQTT_URL: `mqtt://custody-server:${SERVER_PASSWORD}@127.0.0.1:${port}`,
      CUSTODY_DATA_DIR: path.join(dir, `server-${i}`),
      CUSTODY_LEDGER_KEY: ledgerKey,
      CHECKPOINT_INTERVAL_SECONDS: '1',
    });
    servers.push({ ...server, port: httpPort, dataDir: path.join(dir, `server-${i}`) });
    await server.ready(httpPort);
  }
}, 90_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  broker?.kill('SIGTERM');
  await ctx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const apiOf = (server: (typeof servers)[number]) => `http://127.0.0.1:${server.port}/api/v1`;

/** A scanner through Mosquitto, the warehouse user signed in at it. */
async function connect(d: typeof device) {
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId: d.id,
    username: d.id,
    password: d.password,
    reconnectPeriod: 0,
  });
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString());
    acks.get(ack.msgId)?.(ack);
  });
  await client.subscribeAsync(`${d.topic}ack`, { qos: 1 });
  const session = await signInAt(apiOf(servers[0]!), world.people.warehouse.auth, client, d);
  let seq = 0;
  const scan = (msgId: string, code: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      acks.set(msgId, resolve);
      setTimeout(() => reject(new Error(`no ack for ${msgId}`)), 15_000).unref();
      void client.publishAsync(
        `${d.topic}evt/scan`,
        JSON.stringify({ v: 1, msgId, seq: seq++, bootId: 'b', deviceTime: new Date().toISOString(), code, session }),
        { qos: 1 },
      );
    });
  return { client, scan };
}

const received = async () => (await receivedItems(ctx, world))[0]!;

const checkIns = async (code: string) =>
  ((await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items as { type: string }[]).filter(
    (e) => e.type === 'check_in',
  ).length;

test('through Mosquitto with two API instances, each scan is committed once, and a redelivery is a duplicate', async () => {
  const { client, scan } = await connect(device);
  try {
    const codes = await receivedItems(ctx, world, 6);
    const acks = await Promise.all(codes.map((code, i) => scan(`mq-${i}`, code)));
    expect(acks.map((a) => a.status)).toEqual(Array(6).fill('committed'));
    for (const code of codes) expect(await checkIns(code)).toBe(1);
    expect(await scan('mq-0', codes[0]!)).toMatchObject({ status: 'duplicate' });
    expect(await checkIns(codes[0]!)).toBe(1);
  } finally {
    await client.endAsync();
  }
});

test("Mosquitto's password file refuses a wrong password, and its ACL keeps a device to its own topics", async () => {
  await expect(
    mqtt.connectAsync(brokerUrl, { clientId: device.id, username: device.id, password: 'wrong', reconnectPeriod: 0 }),
  ).rejects.toThrow(/Not authorized|Bad username or password/i);
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 0,
  });
  const theirs = await connect(other);
  try {
    // Mosquitto grants the subscription but, by the ACL, delivers nothing of another device's topic.
    const overheard: string[] = [];
    client.on('message', (topic) => overheard.push(topic));
    await client.subscribeAsync(`${other.topic}ack`, { qos: 1 });
    expect(await theirs.scan('theirs-1', await received())).toMatchObject({ status: 'committed' });
    expect(overheard).toEqual([]);

    const code = await received();
    await client.publishAsync(
      `${other.topic}evt/scan`,
      JSON.stringify({ v: 1, msgId: 'spoof', seq: 0, bootId: 'b', deviceTime: new Date().toISOString(), code }),
      { qos: 1 },
    );
    await new Promise((r) => setTimeout(r, 800));
    expect(await checkIns(code)).toBe(0);
  } finally {
    await client.endAsync(true);
    await theirs.client.endAsync();
  }
});

test("a locker through Mosquitto: a deposit with the officer's credentials, and a forced door raising an alert", async () => {
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId: locker.id,
    username: locker.id,
    password: locker.password,
    reconnectPeriod: 0,
  });
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString());
    acks.get(ack.msgId)?.(ack);
  });
  await client.subscribeAsync(`${locker.topic}ack`, { qos: 1 });
  const door = (msgId: string, body: object) =>
    new Promise<Record<string, unknown>>((resolve) => {
      acks.set(msgId, resolve);
      void client.publishAsync(
        `${locker.topic}evt/door`,
        JSON.stringify({ v: 1, msgId, seq: 0, bootId: 'b', deviceTime: new Date().toISOString(), ...body }),
        { qos: 1 },
      );
    });
  try {
    const [code] = await register(ctx, world);
    expect(
      await door('d-1', {
        compartment: world.loc('C1'),
        side: 'front',
        state: 'open',
        credential: credentialsOf(world.people.officer),
        itemCodes: [code],
      }),
    ).toMatchObject({ status: 'committed', reason: '1 deposited' });
    expect(await door('d-2', { compartment: world.loc('C1'), side: 'back', state: 'open' })).toMatchObject({
      status: 'committed',
      reason: expect.stringMatching(/alert raised/),
    });
    const history = (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items.map(
      (e: { type: string }) => e.type,
    );
    expect(history).toEqual(['registered', 'locker_deposit', 'alert']);
  } finally {
    await client.endAsync();
  }
});

/** A check-in through one of the API instances; returns the HTTP status. */
const checkInThrough = async (server: (typeof servers)[number], code: string) =>
  (
    await fetch(`http://127.0.0.1:${server.port}/api/v1/items/${code}/check-in`, {
      method: 'POST',
      headers: { authorization: world.people.warehouse.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ locationCode: world.loc('SHELF-2') }),
    })
  ).status;

test('two API instances each taking commands and scans at once: a gap-free, verifiable ledger, no scan twice, one signer', async () => {
  const scanned = await receivedItems(ctx, world, 15);
  const commanded = await receivedItems(ctx, world, 30);
  const { client, scan } = await connect(device);
  try {
    const commands = commanded.map((code, i) => checkInThrough(servers[i % 2]!, code));
    const scans = scanned.map((code, i) => scan(`scale-${i}`, code));
    expect(await Promise.all(commands)).toEqual(Array(commanded.length).fill(200));
    expect((await Promise.all(scans)).map((a) => a.status)).toEqual(Array(scanned.length).fill('committed'));
  } finally {
    await client.endAsync();
  }
  for (const code of [...scanned, ...commanded])
    expect({ code, checkIns: await checkIns(code) }).toEqual({ code, checkIns: 1 });

  const em = ctx.orm.em.fork();
  const [{ n, last }] = (await em.execute<{ n: string; last: string }[]>(
    'select count(*) as n, max(idx) as last from ledger_events',
  )) as [{ n: string; last: string }];
  expect(Number(last) + 1).toBe(Number(n));
  expect(await verifyLedger(ctx.orm.em.fork())).toMatchObject({ ok: true, failure: null });

  // Checkpoints catch up with the whole ledger, all signed by the same one of the two instances.
  await waitFor(
    async () =>
      Number((await em.execute<{ size: string }[]>('select max(size) as size from checkpoints'))[0]!.size) ===
      Number(n),
    'a checkpoint of the whole ledger',
  );
  const signedBy = servers.map((s) => {
    const file = path.join(s.dataDir, 'checkpoints.log');
    return fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => line.startsWith('\u2014 ')).length
      : 0;
  });
  expect(signedBy.filter((count) => count > 0)).toHaveLength(1);
}, 60_000);

test('Mosquitto restarted: the servers and a device reconnect, and the scans the device kept meanwhile are committed once', async () => {
  const codes = await receivedItems(ctx, world, 5);
  const client = mqtt.connect(brokerUrl, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 200,
  });
  client.on('error', () => undefined);
  const acks = new Map<string, string>();
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString()) as { msgId: string; status: string };
    if (ack.msgId.startsWith('restart-')) acks.set(ack.msgId, ack.status);
  });
  let session = '';
  const send = (i: number) =>
    client.publish(
      `${device.topic}evt/scan`,
      JSON.stringify({
        v: 1,
        msgId: `restart-${i}`,
        seq: 100 + i,
        bootId: 'b',
        deviceTime: new Date().toISOString(),
        code: codes[i],
        session,
      }),
      { qos: 1 },
    );
  try {
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync(`${device.topic}ack`, { qos: 1 });
    session = await signInAt(apiOf(servers[0]!), world.people.warehouse.auth, client, device);
    const stopped = new Promise((resolve) => broker.once('exit', resolve));
    broker.kill('SIGTERM');
    await stopped;
    await waitFor(async () => !client.connected, 'the device to notice');
    codes.forEach((_, i) => send(i)); // kept by the device while the broker is away
    await startBroker();
    // Like a real scanner, the device sends what is still unacknowledged again every 2 s.
    const resend = setInterval(() => codes.forEach((_, i) => acks.has(`restart-${i}`) || send(i)), 2000);
    try {
      await waitFor(async () => acks.size === codes.length, 'acks for the kept scans');
    } finally {
      clearInterval(resend);
    }
    expect([...acks.values()].every((status) => status === 'committed' || status === 'duplicate')).toBe(true);
    for (const code of codes) expect({ code, checkIns: await checkIns(code) }).toEqual({ code, checkIns: 1 });
  } finally {
    await client.endAsync();
  }
});

test('when the signing instance stops, the other one takes over signing', async () => {
  const signatures = (server: (typeof servers)[number]) => {
    const file = path.join(server.dataDir, 'checkpoints.log');
    return fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => line.startsWith('\u2014 ')).length
      : 0;
  };
  expect(await checkInThrough(servers[0]!, (await receivedItems(ctx, world))[0]!)).toBe(200);
  await waitFor(async () => servers.some((s) => signatures(s) > 0), 'a first checkpoint');
  const signer = servers.find((s) => signatures(s) > 0)!;
  const other = servers.find((s) => s !== signer)!;
  expect(signatures(other)).toBe(0);
  // A clean stop (exit code 0): the signer gives its lock back, and its last requests finish.
  expect(await signer.stop()).toBe(0);

  expect(await checkInThrough(other, (await receivedItems(ctx, world))[0]!)).toBe(200);
  const em = ctx.orm.em.fork();
  const size = async () => Number((await em.execute<{ n: string }[]>('select count(*) as n from ledger_events'))[0]!.n);
  await waitFor(
    async () =>
      Number((await em.execute<{ size: string }[]>('select max(size) as size from checkpoints'))[0]!.size) ===
      (await size()),
    'a checkpoint signed by the other instance',
  );
  expect(signatures(other)).toBeGreaterThan(0);
}, 60_000);
