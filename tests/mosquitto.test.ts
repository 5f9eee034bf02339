import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import request from 'supertest';
import { mosquittoFiles } from '../src/devices/mosquitto';
import { createTestContext, type TestContext } from './context';
import { as, buildWorld, credentialsOf, register, type World } from './world';
import { freePort } from './ports';

/**
 * The same device flows against Debian's Mosquitto 2.0 (`.ci/run` installs it), configured with the password
 * and ACL files the server writes, and two API instances sharing the device topics.
 */
const root = path.join(__dirname, '..');
const MOSQUITTO = '/usr/sbin/mosquitto';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-mosquitto-'));
const SERVER_PASSWORD = 'server-password-for-mosquitto';
let ctx: TestContext;
let world: World;
let broker: ChildProcess;
let brokerUrl: string;
const servers: { process: ChildProcess; output: () => string }[] = [];


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
    (await request(ctx.app).post('/api/v1/devices').set('Authorization', world.people.admin.auth).send({ code, kind: 'scanner', mode: 'check_in', locationCode: world.loc('SHELF-1') })).body;
  device = await registerDevice('MQ-SCAN-1');
  other = await registerDevice('MQ-SCAN-2');
  locker = (await request(ctx.app).post('/api/v1/devices').set('Authorization', world.people.admin.auth).send({ code: 'MQ-LOCKER', kind: 'locker', locationCode: world.loc('LOCKER') })).body;

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
      ...(process.getuid?.() === 0 ? ['user root'] : []),
    ].join('\n') + '\n',
  );
  broker = spawn(MOSQUITTO, ['-c', path.join(dir, 'mosquitto.conf')]);
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  await waitFor(async () => (await mqtt.connectAsync(brokerUrl, { username: 'custody-server', password: SERVER_PASSWORD, reconnectPeriod: 0 }).then((c) => c.endAsync())) === undefined, 'Mosquitto');

  // Two API instances on one database and one broker, sharing the device topics.
  for (let i = 0; i < 2; i++) {
    const httpPort = await freePort();
    let output = '';
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: ctx.url,
        JWT_SECRET: ctx.tokens.secret,
        PORT: String(httpPort),
        MQTT_URL: `mqtt://custody-server:${SERVER_PASSWORD}@127.0.0.1:${port}`,
        CUSTODY_DATA_DIR: path.join(dir, `server-${i}`),
        LOG_LEVEL: 'warn',
      },
    });
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    servers.push({ process: child, output: () => output });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, `API instance ${i}: ${output}`);
  }
}, 90_000);

afterAll(async () => {
  for (const server of servers) {
    const exited = new Promise((resolve) => server.process.once('exit', resolve));
    server.process.kill('SIGTERM');
    await exited;
  }
  broker?.kill('SIGTERM');
  await ctx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function connect(d: typeof device) {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: d.id, username: d.id, password: d.password, reconnectPeriod: 0 });
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString());
    acks.get(ack.msgId)?.(ack);
  });
  await client.subscribeAsync(`${d.topic}ack`, { qos: 1 });
  let seq = 0;
  const scan = (msgId: string, code: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      acks.set(msgId, resolve);
      setTimeout(() => reject(new Error(`no ack for ${msgId}`)), 15_000).unref();
      void client.publishAsync(
        `${d.topic}evt/scan`,
        JSON.stringify({ v: 1, msgId, seq: seq++, bootId: 'b', deviceTime: new Date().toISOString(), code, operator: world.people.warehouse.user.username }),
        { qos: 1 },
      );
    });
  return { client, scan };
}

async function received(): Promise<string> {
  const [code] = await register(ctx, world);
  await as(ctx, world.people.warehouse).post('/handovers', { itemCodes: [code], handedOverBy: credentialsOf(world.people.officer) });
  return code!;
}

const checkIns = async (code: string) =>
  ((await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items as { type: string }[]).filter((e) => e.type === 'check_in').length;

test('through Mosquitto with two API instances, each scan is committed once, and a redelivery is a duplicate', async () => {
  const { client, scan } = await connect(device);
  try {
    const codes = await Promise.all(Array.from({ length: 6 }, () => received()));
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
  await expect(mqtt.connectAsync(brokerUrl, { clientId: device.id, username: device.id, password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad username or password/i);
  const client = await mqtt.connectAsync(brokerUrl, { clientId: device.id, username: device.id, password: device.password, reconnectPeriod: 0 });
  const theirs = await connect(other);
  try {
    // Mosquitto grants the subscription but, by the ACL, delivers nothing of another device's topic.
    const overheard: string[] = [];
    client.on('message', (topic) => overheard.push(topic));
    await client.subscribeAsync(`${other.topic}ack`, { qos: 1 });
    expect(await theirs.scan('theirs-1', await received())).toMatchObject({ status: 'committed' });
    expect(overheard).toEqual([]);

    const code = await received();
    await client.publishAsync(`${other.topic}evt/scan`, JSON.stringify({ v: 1, msgId: 'spoof', seq: 0, bootId: 'b', deviceTime: new Date().toISOString(), code, operator: world.people.warehouse.user.username }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 800));
    expect(await checkIns(code)).toBe(0);
  } finally {
    await client.endAsync(true);
    await theirs.client.endAsync();
  }
});

test('a locker through Mosquitto: a deposit with the officer\'s credentials, and a forced door raising an alert', async () => {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: locker.id, username: locker.id, password: locker.password, reconnectPeriod: 0 });
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString());
    acks.get(ack.msgId)?.(ack);
  });
  await client.subscribeAsync(`${locker.topic}ack`, { qos: 1 });
  const door = (msgId: string, body: object) =>
    new Promise<Record<string, unknown>>((resolve) => {
      acks.set(msgId, resolve);
      void client.publishAsync(`${locker.topic}evt/door`, JSON.stringify({ v: 1, msgId, seq: 0, bootId: 'b', deviceTime: new Date().toISOString(), ...body }), { qos: 1 });
    });
  try {
    const [code] = await register(ctx, world);
    expect(await door('d-1', { compartment: world.loc('C1'), side: 'front', state: 'open', credential: credentialsOf(world.people.officer), itemCodes: [code] })).toMatchObject({ status: 'committed', reason: '1 deposited' });
    expect(await door('d-2', { compartment: world.loc('C1'), side: 'back', state: 'open' })).toMatchObject({ status: 'committed', reason: expect.stringMatching(/alert raised/) });
    const history = (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items.map((e: { type: string }) => e.type);
    expect(history).toEqual(['registered', 'locker_deposit', 'alert']);
  } finally {
    await client.endAsync();
  }
});
