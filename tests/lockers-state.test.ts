import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { createTestContext, type TestContext } from './context';
import { as, buildWorld, credentialsOf, received, register, type World } from './world';
import { freePort } from './ports';
import { startServer, type ServerProcess } from './server-process';

/**
 * What lockers report of their compartments, kept and read back: lockers are real mqtt.js clients of the
 * server process's embedded broker; the reads go to the in-process app on the same database.
 */

let ctx: TestContext;
let world: World;
let server: ServerProcess;
let api: string;
let broker: string;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-lockers-'));

beforeAll(async () => {
  ctx = await createTestContext();
  world = await buildWorld(ctx);
  const [port, mqttPort] = [await freePort(), await freePort()];
  api = `http://127.0.0.1:${port}/api/v1`;
  broker = `mqtt://127.0.0.1:${mqttPort}`;
  server = startServer({
    DATABASE_URL: ctx.url,
    JWT_SECRET: ctx.tokens.secret,
    PORT: String(port),
    MQTT_PORT: String(mqttPort),
    CUSTODY_DATA_DIR: dataDir,
  });
  await server.ready(port);
}, 60_000);

afterAll(async () => {
  await server.stop();
  expect(server.output()).not.toMatch(/"level":50/);
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

type Device = { id: string; password: string; topic: string };

async function registerDevice(body: object): Promise<Device> {
  const res = await fetch(`${api}/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: world.people.admin.auth },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Device;
}

/** A locker: sends events and waits for their acks; sends readings (no ack). */
async function lockerClient(device: Device) {
  const client: MqttClient = await mqtt.connectAsync(broker, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 0,
  });
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  client.on('message', (_topic, payload) => {
    const body = JSON.parse(payload.toString());
    acks.get(body.msgId)?.(body);
  });
  await client.subscribeAsync(`${device.topic}ack`, { qos: 1 });
  let seq = 0;
  const send = (type: string, body: object, deviceTime = new Date()) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const message = {
        v: 1,
        msgId: `${type}-${seq}`,
        seq: seq++,
        bootId: 'boot',
        deviceTime: deviceTime.toISOString(),
        ...body,
      };
      acks.set(message.msgId, resolve);
      setTimeout(() => reject(new Error(`no ack for ${message.msgId}`)), 10_000).unref();
      void client.publishAsync(`${device.topic}evt/${type}`, JSON.stringify(message), { qos: 1 });
    });
  const read = (compartment: string, reading: object, deviceTime = new Date()) =>
    client.publishAsync(
      `${device.topic}tele`,
      JSON.stringify({ v: 1, deviceTime: deviceTime.toISOString(), compartment, ...reading }),
      { qos: 1 },
    );
  return { client, send, read };
}

type Compartment = {
  code: string;
  items: { code: string; description: string; state: string }[];
  frontDoor: { state: string; reportedAt: string } | null;
  backDoor: { state: string; reportedAt: string } | null;
  occupancy: { occupied: boolean; reportedAt: string } | null;
  reading: { temperature: number | null; humidity: number | null; reportedAt: string } | null;
  coldRange: { min: number; max: number } | null;
  temperatureOutOfRange: boolean;
  reportedAt: string | null;
  alerts: { kind: string; message: string }[];
};
type Locker = {
  deviceId: string;
  code: string;
  online: boolean;
  lastSeenAt: string | null;
  location: { code: string } | null;
  alerts: { kind: string }[];
  compartments: Compartment[];
};

const lockerOf = async (deviceId: string): Promise<Locker> => {
  const res = await as(ctx, world.people.warehouse).get(`/lockers/${deviceId}`);
  expect(res.status).toBe(200);
  return res.body as Locker;
};
const compartmentOf = async (deviceId: string, code: string) =>
  (await lockerOf(deviceId)).compartments.find((c) => c.code === code)!;

/** Readings have no ack: waits until the state shows what they said. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 50 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

test('what a locker reports of its compartments shows in GET /lockers, with the items inside and the open alerts', async () => {
  const device = await registerDevice({ code: 'LOCKER-S1', kind: 'locker', locationCode: world.loc('LOCKER') });
  const locker = await lockerClient(device);
  try {
    const [code] = await register(ctx, world);
    expect(
      await locker.send('door', {
        compartment: world.loc('C1'),
        side: 'front',
        state: 'open',
        credential: credentialsOf(world.people.officer),
        itemCodes: [code],
      }),
    ).toMatchObject({ status: 'committed', reason: '1 deposited' });
    await locker.send('door', { compartment: world.loc('C1'), side: 'front', state: 'closed' });
    await locker.send('occupancy', { compartment: world.loc('C1'), occupied: true, doorClosed: true });
    await locker.read(world.loc('C1'), { temperature: 21.5, humidity: 40 });
    // A back door opened with no command: forced, an alert of that compartment.
    await locker.send('door', { compartment: world.loc('C2'), side: 'back', state: 'open' });

    const c1 = await until(
      () => compartmentOf(device.id, world.loc('C1')),
      (c) => c.reading !== null,
    );
    expect(c1).toMatchObject({
      items: [{ code, description: '黑色华为手机一部，屏幕有裂痕', state: 'in_locker' }],
      frontDoor: { state: 'closed' },
      backDoor: null,
      occupancy: { occupied: true },
      reading: { temperature: 21.5, humidity: 40 },
      coldRange: null,
      temperatureOutOfRange: false,
    });
    expect(c1.reportedAt).toBe(c1.reading!.reportedAt);
    // The occupancy message, behind a closed door, raised its alert; the deposit's opening raised none.
    expect(c1.alerts.map((a) => a.kind)).toEqual(['occupancy_changed']);

    const all = await as(ctx, world.people.inspector).get('/lockers');
    expect(all.status).toBe(200);
    const listed = (all.body.items as Locker[]).find((l) => l.deviceId === device.id)!;
    expect(listed).toMatchObject({ code: 'LOCKER-S1', online: true, location: { code: world.loc('LOCKER') } });
    expect(Date.now() - Date.parse(listed.lastSeenAt!)).toBeLessThan(60_000);
    expect(listed.compartments.map((c) => c.code)).toEqual([world.loc('C1'), world.loc('C2')]);
    const c2 = listed.compartments[1]!;
    expect(c2).toMatchObject({
      items: [],
      backDoor: { state: 'open' },
      frontDoor: null,
      occupancy: null,
      reading: null,
    });
    expect(c2.alerts).toEqual([expect.objectContaining({ kind: 'forced_door' })]);
    expect(listed.alerts).toEqual([]);

    // A locker-wide alert (tamper with no compartment) is the locker's.
    await locker.send('tamper', { kind: 'vibration' });
    expect((await lockerOf(device.id)).alerts).toEqual([expect.objectContaining({ kind: 'tamper' })]);
  } finally {
    await locker.client.endAsync();
  }
});

test('a cold compartment shows its range, and a warm reading shows out of range with its alert', async () => {
  for (const body of [
    { code: world.loc('COLD'), name: 'Cold room', kind: 'room', parentCode: world.loc('ZONE-G'), features: ['cold'] },
    { code: world.loc('FRIDGE'), name: 'Fridge locker', kind: 'locker', parentCode: world.loc('COLD') },
    { code: world.loc('F1'), name: 'Fridge 1', kind: 'compartment', parentCode: world.loc('FRIDGE') },
  ])
    expect((await as(ctx, world.people.admin).post('/locations', body)).status).toBe(201);
  const device = await registerDevice({ code: 'FRIDGE-S1', kind: 'locker', locationCode: world.loc('FRIDGE') });
  const locker = await lockerClient(device);
  try {
    await locker.read(world.loc('F1'), { temperature: 4 });
    const cool = await until(
      () => compartmentOf(device.id, world.loc('F1')),
      (c) => c.reading !== null,
    );
    expect(cool).toMatchObject({ reading: { temperature: 4 }, coldRange: { min: 2, max: 8 }, alerts: [] });
    expect(cool.temperatureOutOfRange).toBe(false);

    await locker.read(world.loc('F1'), { temperature: 12 });
    const warm = await until(
      () => compartmentOf(device.id, world.loc('F1')),
      (c) => c.alerts.length > 0,
    );
    expect(warm).toMatchObject({ reading: { temperature: 12 }, temperatureOutOfRange: true });
    expect(warm.alerts).toEqual([
      expect.objectContaining({ kind: 'temperature', message: expect.stringMatching(/12 °C, outside 2–8 °C/) }),
    ]);
  } finally {
    await locker.client.endAsync();
  }
});

test('a message buffered and sent late does not replace a newer report; a clock running ahead outranks nothing', async () => {
  const device = await registerDevice({ code: 'LOCKER-S2', kind: 'locker', locationCode: world.loc('LOCKER') });
  const locker = await lockerClient(device);
  const c2 = world.loc('C2');
  try {
    const now = new Date();
    const earlier = new Date(now.getTime() - 10 * 60_000);
    await locker.send('door', { compartment: c2, side: 'back', state: 'closed' }, now);
    await locker.send('occupancy', { compartment: c2, occupied: false, doorClosed: false }, now);
    await locker.read(c2, { temperature: 19 }, now);
    await until(
      () => compartmentOf(device.id, c2),
      (c) => c.reading !== null,
    );
    // From the locker's buffer, ten minutes old.
    const late = await locker.send('door', { compartment: c2, side: 'back', state: 'open', replayed: true }, earlier);
    expect(late).toMatchObject({ status: 'committed' });
    await locker.send('occupancy', { compartment: c2, occupied: true, doorClosed: false, replayed: true }, earlier);
    await locker.read(c2, { temperature: 30 }, earlier);
    // A later message on the same connection: once it is answered, the reading before it has been handled.
    await locker.send('door', { compartment: c2, side: 'front', state: 'closed' }, now);

    const kept = await compartmentOf(device.id, c2);
    expect(kept).toMatchObject({
      backDoor: { state: 'closed', reportedAt: now.toISOString() },
      occupancy: { occupied: false, reportedAt: now.toISOString() },
      reading: { temperature: 19, reportedAt: now.toISOString() },
    });

    // A report dated a day ahead counts as made when the server received it, so the next one still replaces it.
    const ahead = new Date(Date.now() + 86_400_000);
    await locker.send('door', { compartment: c2, side: 'back', state: 'open' }, ahead);
    const opened = await compartmentOf(device.id, c2);
    expect(opened.backDoor!.state).toBe('open');
    expect(Date.parse(opened.backDoor!.reportedAt)).toBeLessThanOrEqual(Date.now());
    await locker.send('door', { compartment: c2, side: 'back', state: 'closed' });
    expect((await compartmentOf(device.id, c2)).backDoor!.state).toBe('closed');
  } finally {
    await locker.client.endAsync();
  }
});

test('a door is kept open even when the deposit it carries is refused', async () => {
  const device = await registerDevice({ code: 'LOCKER-S3', kind: 'locker', locationCode: world.loc('LOCKER') });
  const locker = await lockerClient(device);
  try {
    // Handed over already: it cannot go into a locker.
    const [code] = await received(ctx, world);
    const refused = await locker.send('door', {
      compartment: world.loc('C1'),
      side: 'front',
      state: 'open',
      credential: credentialsOf(world.people.officer),
      itemCodes: [code],
    });
    expect(refused).toMatchObject({ status: 'rejected' });
    expect((await compartmentOf(device.id, world.loc('C1'))).frontDoor).toMatchObject({ state: 'open' });
    // A compartment that is not this locker's keeps nothing, and the message is refused as before.
    const foreign = await locker.send('door', { compartment: world.loc('SHELF-1'), side: 'front', state: 'open' });
    expect(foreign).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/not part of this locker/) });
  } finally {
    await locker.client.endAsync();
  }
});

test('warehouse staff, inspectors and admins read the lockers; officers, clerks and approvers may not', async () => {
  const { officer, clerk, approver, warehouse, inspector, admin } = world.people;
  for (const actor of [warehouse, inspector, admin]) expect((await as(ctx, actor).get('/lockers')).status).toBe(200);
  for (const actor of [officer, clerk, approver]) {
    const res = await as(ctx, actor).get('/lockers');
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  }
  const device = await registerDevice({ code: 'LOCKER-S4', kind: 'locker', locationCode: world.loc('LOCKER') });
  expect((await as(ctx, officer).get(`/lockers/${device.id}`)).status).toBe(403);
  const anonymous = await fetch(`${api}/lockers`);
  expect(anonymous.status).toBe(401);
});

test('bad input gets a problem that says what is wrong', async () => {
  const warehouse = as(ctx, world.people.warehouse);
  const notUuid = await warehouse.get('/lockers/LOCKER-1');
  expect(notUuid.status).toBe(400);
  expect(notUuid.body.detail).toMatch(/deviceId.*UUID/);
  const unknown = await warehouse.get(`/lockers/${randomUUID()}`);
  expect(unknown.status).toBe(404);
  expect(unknown.body.detail).toMatch(/no active locker/);
  // A scanner is no locker.
  const scanner = await registerDevice({
    code: 'SCANNER-S1',
    kind: 'scanner',
    locationCode: world.loc('SHELF-1'),
    mode: 'check_in',
  });
  expect((await warehouse.get(`/lockers/${scanner.id}`)).status).toBe(404);
  const badPage = await warehouse.get('/lockers?limit=0');
  expect(badPage.status).toBe(400);
  expect(badPage.body.detail).toMatch(/limit/);
  // A page of one, and the total of all.
  const page = await warehouse.get('/lockers?limit=1&offset=1');
  expect(page.body.items).toHaveLength(1);
  expect(page.body.total).toBeGreaterThanOrEqual(2);
});
