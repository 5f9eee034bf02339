import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { createTestContext, type TestContext } from './context';
import { operatorCode, operatorMessage, signInAt } from './operator';
import { freePort } from './ports';
import { startServer, type ServerProcess } from './server-process';
import { as, buildWorld, credentialsOf, phone, received as receivedItems, register, type World } from './world';

/**
 * The devices as an insider with a device's credentials would attack them, against the real server process and
 * its embedded broker: replayed unlock commands, scans in someone else's name or at a false time, oversized
 * and never-finished connections, a shared sign-in throttle, and a scanner posing as a locker.
 */

let ctx: TestContext;
let world: World;
let server: ServerProcess;
let api: string;
let broker: string;
let mqttPort: number;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-devices-hostile-'));

beforeAll(async () => {
  ctx = await createTestContext();
  world = await buildWorld(ctx);
  const port = await freePort();
  mqttPort = await freePort();
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
  await ctx.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

type Registered = { id: string; password: string; topic: string };
type Ack = Record<string, unknown>;

const post = (path: string, auth: string, body: object = {}) =>
  fetch(`${api}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    body: JSON.stringify(body),
  });

async function registerDevice(body: object): Promise<Registered> {
  const res = await post('/devices', world.people.admin.auth, body);
  expect(res.status).toBe(201);
  return (await res.json()) as Registered;
}

/** A device connected with its own credentials, subscribed to its acks and commands. */
async function connect(device: Registered) {
  const client = await mqtt.connectAsync(broker, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 0,
  });
  const waiting = new Map<string, (ack: Ack) => void>();
  const commands: Ack[] = [];
  client.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Ack;
    if (topic.endsWith('/ack')) waiting.get(body.msgId as string)?.(body);
    else commands.push(body);
  });
  await client.subscribeAsync([`${device.topic}ack`, `${device.topic}cmd/#`], { qos: 1 });
  let seq = 0;
  const send = (type: string, body: object) =>
    new Promise<Ack>((resolve, reject) => {
      const message = {
        v: 1,
        msgId: `${type}-${seq}`,
        seq: seq++,
        bootId: 'boot',
        deviceTime: new Date().toISOString(),
        ...body,
      } as { msgId: string };
      waiting.set(message.msgId, resolve);
      setTimeout(() => reject(new Error(`no ack for ${message.msgId}`)), 15_000).unref();
      void client.publishAsync(`${device.topic}evt/${type}`, JSON.stringify(message), { qos: 1 });
    });
  return { client, send, commands };
}

const closedWithin = (client: MqttClient, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (!client.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

const received = async () => (await receivedItems(ctx, world))[0]!;
type Event = {
  type: string;
  envelope: {
    actor: string | null;
    device: string | null;
    occurredAt: string;
    recordedAt: string;
    payload: Record<string, unknown>;
  };
};
const events = async (code: string) =>
  (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items as Event[];
const alerts = async (kind: string) =>
  (await as(ctx, world.people.warehouse).get(`/alerts?kind=${kind}&limit=200`)).body.items as { message: string }[];
/** The open alerts a device raised (the API lists alerts by kind, not by device). */
const deviceAlerts = (kind: string, deviceId: string) =>
  ctx.orm.em
    .fork()
    .execute<{ message: string }[]>(
      `select message from alerts where kind = ? and device_id = ? and status = 'open' order by created_at`,
      [kind, deviceId],
    );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('unlock commands', () => {
  const deposit = (locker: Awaited<ReturnType<typeof connect>>, compartment: string, code: string) =>
    locker.send('door', {
      compartment,
      side: 'front',
      state: 'open',
      credential: credentialsOf(world.people.officer),
      itemCodes: [code],
    });

  async function lockerWithCommand(name: string, compartment: string, code: string) {
    const device = await registerDevice({ code: name, kind: 'locker', locationCode: world.loc('LOCKER') });
    const locker = await connect(device);
    expect(await deposit(locker, compartment, code)).toMatchObject({ status: 'committed', reason: '1 deposited' });
    const unlock = await post(`/lockers/${device.id}/compartments/${compartment}/unlock`, world.people.warehouse.auth, {
      ttlSeconds: 60,
    });
    expect(unlock.status).toBe(202);
    return { device, locker, command: (await unlock.json()) as { cmdId: string; expiresAt: string } };
  }

  test("a used command sent again with an old device time is refused and alerted; nothing is written in the requester's name", async () => {
    const [first, second] = await register(ctx, world, [phone, phone]);
    const compartment = world.loc('C1');
    const { device, locker, command } = await lockerWithCommand('LOCKER-REPLAY', compartment, first!);
    try {
      const openedAt = new Date().toISOString();
      expect(
        await locker.send('door', {
          compartment,
          side: 'back',
          state: 'open',
          cmdId: command.cmdId,
          deviceTime: openedAt,
        }),
      ).toMatchObject({ status: 'committed', reason: '1 retrieved' });
      // Another item goes into the emptied compartment; then the locker sends the old command again, with its old time.
      expect(await deposit(locker, compartment, second!)).toMatchObject({ status: 'committed' });
      const replay = await locker.send('door', {
        compartment,
        side: 'back',
        state: 'open',
        cmdId: command.cmdId,
        deviceTime: openedAt,
      });
      expect(replay).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/already used/) });
      expect((await as(ctx, world.people.officer).get(`/items/${second}`)).body.state).toBe('in_locker');
      const history = await events(second!);
      expect(history.filter((e) => e.envelope.actor === world.people.warehouse.user.id)).toEqual([]);
      for (const [earlier, later] of history.slice(1).map((e, i) => [history[i]!, e] as const))
        expect(Date.parse(later.envelope.occurredAt)).toBeGreaterThanOrEqual(Date.parse(earlier.envelope.occurredAt));
      expect(await deviceAlerts('unlock_refused', device.id)).toEqual([
        { message: expect.stringMatching(/already used/) },
      ]);
    } finally {
      await locker.client.endAsync();
    }
  });

  test("a command's expiry is judged by the server's clock when the message arrives, not by the device's time; its reuse is alerted too", async () => {
    const [code] = await register(ctx, world);
    const compartment = world.loc('C2');
    const { device, locker, command } = await lockerWithCommand('LOCKER-LATE', compartment, code!);
    try {
      // The command expired a second ago on the server's clock; the locker claims it opened the door before that.
      await ctx.orm.em
        .fork()
        .execute(`update locker_commands set expires_at = now() - interval '1 second' where id = ?`, [command.cmdId]);
      const claimed = new Date(Date.now() - 120_000).toISOString();
      const late = await locker.send('door', {
        compartment,
        side: 'back',
        state: 'open',
        cmdId: command.cmdId,
        deviceTime: claimed,
        replayed: true,
      });
      expect(late).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/expired/) });
      expect((await as(ctx, world.people.officer).get(`/items/${code}`)).body.state).toBe('in_locker');
      const again = await locker.send('door', {
        compartment,
        side: 'back',
        state: 'open',
        cmdId: command.cmdId,
        deviceTime: claimed,
      });
      expect(again).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/already used/) });
      expect((await events(code!)).map((e) => e.type)).not.toContain('locker_retrieve');
      // Both refusals are open alerts, though the first said it was replayed from the locker's buffer.
      expect((await deviceAlerts('unlock_refused', device.id)).map((a) => a.message)).toEqual([
        expect.stringMatching(/expired/),
        expect.stringMatching(/already used/),
      ]);
    } finally {
      await locker.client.endAsync();
    }
  });
});

test('a device message with NUL, a lone surrogate or a bidirectional override is refused, naming the field, and changes nothing', async () => {
  const device = await registerDevice({
    code: 'SCAN-TEXT',
    kind: 'scanner',
    mode: 'check_in',
    locationCode: world.loc('SHELF-1'),
  });
  const station = await connect(device);
  try {
    const code = await received();
    for (const [text, reason] of [
      ['\u0000', /control character \(U\+0000\)/],
      ['\ud800', /lone UTF-16 surrogate/],
      ['\u202e', /bidirectional control \(U\+202E\)/],
    ] as const) {
      const answer = await station.send('scan', { code, symbology: `qr${text}` });
      expect(answer).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(new RegExp(`^symbology: .*${reason.source}`)),
      });
    }
    expect((await events(code)).map((e) => e.type)).toEqual(['registered', 'handover']);
  } finally {
    await station.client.endAsync();
  }
});

describe('the person at a scanner', () => {
  const scanner = (code: string) =>
    registerDevice({ code, kind: 'scanner', mode: 'check_in', locationCode: world.loc('SHELF-1') });

  test("a scan in a warehouse user's name without a live operator session is refused and changes nothing", async () => {
    const device = await scanner('SCAN-NO-SESSION');
    const station = await connect(device);
    try {
      const code = await received();
      const answer = await station.send('scan', { code, operator: world.people.warehouse.user.username });
      expect(answer).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/no operator is signed in/) });
      expect((await events(code)).map((e) => e.type)).toEqual(['registered', 'handover']);
    } finally {
      await station.client.endAsync();
    }
  });

  test("a station signed in with the user's console code scans in that user's name; the session is its own, and ends at sign-out", async () => {
    const [device, other] = [await scanner('SCAN-SESSION'), await scanner('SCAN-SESSION-OTHER')];
    const [station, thief] = [await connect(device), await connect(other)];
    try {
      const session = await signInAt(api, world.people.warehouse.auth, station.client, device);
      const code = await received();
      expect(await station.send('scan', { code, session })).toMatchObject({
        status: 'committed',
        item: { state: 'stored' },
      });
      expect((await events(code)).at(-1)!.envelope).toMatchObject({
        actor: world.people.warehouse.user.id,
        device: device.id,
      });

      // Another scanner cannot use that session, nor can this one name someone else.
      const next = await received();
      expect(await thief.send('scan', { code: next, session })).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/no operator is signed in/),
      });
      expect(
        await station.send('scan', { code: next, session, operator: world.people.warehouse2.user.username }),
      ).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/signed in here/) });
      expect(await operatorMessage(station.client, device, { action: 'sign_out', session })).toMatchObject({
        status: 'committed',
      });
      expect(await station.send('scan', { code: next, session })).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/no operator is signed in/),
      });
      expect((await events(next)).map((e) => e.type)).toEqual(['registered', 'handover']);
    } finally {
      await station.client.endAsync();
      await thief.client.endAsync();
    }
  });

  test('a code is used once, only at its own device, and five wrong codes at a device void the codes waiting there', async () => {
    const [device, other] = [await scanner('SCAN-CODES'), await scanner('SCAN-CODES-OTHER')];
    const [station, thief] = [await connect(device), await connect(other)];
    try {
      const code = await operatorCode(api, world.people.warehouse.auth, device.id);
      expect(await operatorMessage(thief.client, other, { action: 'sign_in', code })).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/wrong or expired code/),
      });
      expect(await operatorMessage(station.client, device, { action: 'sign_in', code })).toMatchObject({
        status: 'committed',
        session: { operator: world.people.warehouse.user.username },
      });
      expect(await operatorMessage(station.client, device, { action: 'sign_in', code })).toMatchObject({
        status: 'rejected',
      });

      const waiting = await operatorCode(api, world.people.warehouse2.auth, device.id);
      const wrong = String((Number(waiting) + 1) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < 5; i++)
        expect(await operatorMessage(station.client, device, { action: 'sign_in', code: wrong })).toMatchObject({
          status: 'rejected',
        });
      expect(await operatorMessage(station.client, device, { action: 'sign_in', code: waiting })).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/wrong or expired code/),
      });
    } finally {
      await station.client.endAsync();
      await thief.client.endAsync();
    }
  });

  test("a device time far from the server's receive time, or before the item's last event, is kept in the payload and flagged; the event takes the server's time", async () => {
    const device = await scanner('SCAN-CLOCK');
    const station = await connect(device);
    try {
      const session = await signInAt(api, world.people.warehouse.auth, station.client, device);
      const [ancient, early, buffered, ahead] = [
        await received(),
        await received(),
        await received(),
        await received(),
      ];
      const lastEvent = async (code: string) => (await events(code)).at(-1)!.envelope;
      const cases = [
        [ancient, '1999-01-01T00:00:00.000Z', false, 'far_from_server_time'],
        [
          early,
          new Date(Date.parse((await lastEvent(early)).recordedAt) - 60_000).toISOString(),
          false,
          'before_previous_event',
        ],
        [buffered, new Date(Date.now() - 3_600_000).toISOString(), true, 'far_from_server_time'],
        [ahead, new Date(Date.now() + 60_000).toISOString(), false, 'ahead_of_server_time'],
      ] as const;
      for (const [code, deviceTime, replayed, flag] of cases) {
        const sentAt = Date.now();
        expect(
          await station.send('scan', { code, session, deviceTime, ...(replayed ? { replayed } : {}) }),
        ).toMatchObject({ status: 'committed' });
        const envelope = await lastEvent(code);
        expect(envelope.payload).toMatchObject({ deviceTime, deviceTimeFlag: flag, ...(replayed ? { replayed } : {}) });
        expect(envelope.occurredAt).toBe(envelope.recordedAt);
        expect(Date.parse(envelope.occurredAt)).toBeGreaterThanOrEqual(sentAt - 1000);
      }
      // A time a moment ago, after the item's last event, is the event's time.
      const fresh = await received();
      await sleep(20);
      const deviceTime = new Date().toISOString();
      expect(await station.send('scan', { code: fresh, session, deviceTime })).toMatchObject({ status: 'committed' });
      const envelope = await lastEvent(fresh);
      expect(envelope.occurredAt).toBe(deviceTime);
      expect(envelope.payload).not.toHaveProperty('deviceTimeFlag');
    } finally {
      await station.client.endAsync();
    }
  });
});

describe('the embedded broker', () => {
  /** A raw TCP connection to the broker, and a promise of when the broker closes it (ms after opening). */
  function rawSocket() {
    const socket = net.connect(mqttPort, '127.0.0.1');
    socket.on('error', () => undefined);
    const opened = Date.now();
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
    return { socket, closed };
  }
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([
      promise,
      new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms).unref()),
    ]);

  test('a CONNECT announcing 64 MiB is cut off at its header, before its bytes are buffered', async () => {
    const { socket, closed } = rawSocket();
    // Fixed header: CONNECT (0x10), remaining length 64 MiB as MQTT's variable-length integer.
    socket.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x20]));
    socket.write(Buffer.alloc(64 * 1024, 0x61));
    expect(typeof (await within(closed, 3000))).toBe('number');
    socket.destroy();
  });

  test('a connection that has not authenticated within 10 s is cut off, even while it trickles bytes', async () => {
    const { socket, closed } = rawSocket();
    socket.write(Buffer.from([0x10, 0x40]));
    const trickle = setInterval(() => socket.writable && socket.write(Buffer.from([0x00])), 1000);
    try {
      const after = await within(closed, 14_000);
      expect(after).toBeGreaterThanOrEqual(9_000);
      expect(after).toBeLessThan(12_000);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  }, 20_000);

  test('after sign-in, a packet over the bound cuts the connection, and nothing is handled', async () => {
    const device = await registerDevice({
      code: 'SCAN-BIG',
      kind: 'scanner',
      mode: 'check_in',
      locationCode: world.loc('SHELF-1'),
    });
    const station = await connect(device);
    station.client.on('error', () => undefined);
    const code = await received();
    const closed = closedWithin(station.client, 5000);
    station.client.publish(
      `${device.topic}evt/scan`,
      JSON.stringify({
        v: 1,
        msgId: 'big',
        seq: 0,
        bootId: 'b',
        deviceTime: new Date().toISOString(),
        code,
        operator: 'x'.repeat(1024 * 1024),
      }),
      { qos: 1 },
    );
    expect(await closed).toBe(true);
    expect((await events(code)).map((e) => e.type)).toEqual(['registered', 'handover']);
    await station.client.endAsync(true);
  });
});

describe('sign-in throttling at lockers', () => {
  test('wrong credentials at one locker slow and lock out only that locker, and no transaction is held open while they wait', async () => {
    const [noisy, quiet] = [
      await registerDevice({ code: 'LOCKER-NOISY', kind: 'locker', locationCode: world.loc('LOCKER') }),
      await registerDevice({ code: 'LOCKER-QUIET-ONE', kind: 'locker', locationCode: world.loc('LOCKER') }),
    ];
    const [attacked, other] = [await connect(noisy), await connect(quiet)];
    const watcher = new pg.Client({ connectionString: ctx.url });
    await watcher.connect();
    let heldOpen = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const { rows } = await watcher.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'idle in transaction' and state_change < now() - interval '300 ms'`,
        );
        heldOpen = Math.max(heldOpen, rows[0].n as number);
        await sleep(50);
      }
    })();
    try {
      const [code] = await register(ctx, world);
      const compartment = world.loc('C-QUIET');
      expect(
        (
          await post('/locations', world.people.admin.auth, {
            code: compartment,
            name: 'Quiet compartment',
            kind: 'compartment',
            parentCode: world.loc('LOCKER'),
          })
        ).status,
      ).toBe(201);
      for (let i = 0; i < 10; i++) {
        await attacked.send('door', {
          compartment: world.loc('C1'),
          side: 'front',
          state: 'open',
          credential: { username: `nobody-${i}`, password: 'wrong-password' },
          itemCodes: [code],
        });
      }
      expect(
        await other.send('door', {
          compartment,
          side: 'front',
          state: 'open',
          credential: credentialsOf(world.people.officer),
          itemCodes: [code],
        }),
      ).toMatchObject({ status: 'committed', reason: '1 deposited' });
      watching = false;
      await watch;
      expect(heldOpen).toBe(0);
    } finally {
      watching = false;
      await watcher.end();
      await attacked.client.endAsync();
      await other.client.endAsync();
    }
  }, 60_000);

  test('a door message sent again is answered as the duplicate it is: its credentials are not checked a second time', async () => {
    const device = await registerDevice({ code: 'LOCKER-AGAIN', kind: 'locker', locationCode: world.loc('LOCKER') });
    const client = await mqtt.connectAsync(broker, {
      clientId: device.id,
      username: device.id,
      password: device.password,
      reconnectPeriod: 0,
    });
    const answers: Ack[] = [];
    client.on('message', (_topic, payload) => answers.push(JSON.parse(payload.toString()) as Ack));
    await client.subscribeAsync(`${device.topic}ack`, { qos: 1 });
    const [code] = await register(ctx, world);
    const door = JSON.stringify({
      v: 1,
      msgId: 'door-again',
      seq: 0,
      bootId: 'b',
      deviceTime: new Date().toISOString(),
      compartment: world.loc('C1'),
      side: 'front',
      state: 'open',
      credential: { username: 'nobody-again', password: 'wrong-password' },
      itemCodes: [code],
    });
    try {
      for (let i = 0; i < 2; i++) {
        await client.publishAsync(`${device.topic}evt/door`, door, { qos: 1 });
        for (let wait = 0; wait < 100 && answers.length <= i; wait++) await sleep(50);
      }
      expect(answers.map((a) => a.status)).toEqual(['committed', 'duplicate']);
      const [failures] = await ctx.orm.em
        .fork()
        .execute<{ n: string }[]>(`select count(*) as n from login_failures where address = ?`, [
          `locker:${device.id}`,
        ]);
      expect(Number(failures!.n)).toBe(1);
    } finally {
      await client.endAsync();
    }
  });
});

test("a scanner publishing under a locker's topic with its own id is cut off, and nothing is handled", async () => {
  const device = await registerDevice({
    code: 'SCAN-POSER',
    kind: 'scanner',
    mode: 'check_in',
    locationCode: world.loc('LOCKER'),
  });
  const station = await connect(device);
  station.client.on('error', () => undefined);
  const closed = closedWithin(station.client, 3000);
  const before = (await alerts('forced_door')).length;
  station.client.publish(
    `custody/v1/locker/${device.id}/evt/door`,
    JSON.stringify({
      v: 1,
      msgId: 'pose',
      seq: 0,
      bootId: 'b',
      deviceTime: new Date().toISOString(),
      compartment: world.loc('C1'),
      side: 'back',
      state: 'open',
    }),
    { qos: 1 },
  );
  expect(await closed).toBe(true);
  await sleep(300);
  expect(await alerts('forced_door')).toHaveLength(before);
  await station.client.endAsync(true);
});
