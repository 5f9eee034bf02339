import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { signInAt } from '../operator';
import { freePort } from '../ports';
import { as, received, register } from '../world';
import { expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

// The server process's embedded broker listens on a port this file chooses, before the harness starts it.
const env: Record<string, string> = {};
beforeAll(async () => {
  env.MQTT_PORT = String(await freePort());
});
let c: ConsoleWorld;
setUpConsole((world) => (c = world), { env });
jest.setTimeout(60_000);

type Device = { id: string; password: string; topic: string };
const api = () => `${c.baseURL}/api/v1`;
const clients: MqttClient[] = [];
afterAll(async () => {
  for (const client of clients) await client.endAsync();
});

async function registerDevice(body: object): Promise<Device> {
  const res = await fetch(`${api()}/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: c.world.people.admin.auth },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Device;
}

/** A device as a real mqtt client of the server's broker: publishes an event and waits for its ack. */
async function connectDevice(device: Device) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 0,
  });
  clients.push(client);
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString()) as Record<string, unknown>;
    acks.get(String(ack.msgId))?.(ack);
  });
  await client.subscribeAsync(`${device.topic}ack`, { qos: 1 });
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
      };
      acks.set(message.msgId, resolve);
      setTimeout(() => reject(new Error(`no ack for ${message.msgId}`)), 10_000).unref();
      void client.publishAsync(`${device.topic}evt/${type}`, JSON.stringify(message), { qos: 1 });
    });
  return { client, send };
}

async function page(actor: keyof ConsoleWorld['world']['people'], path: string): Promise<Page> {
  const opened = await (await c.context()).newPage();
  await signIn(opened, c.world.people[actor], path);
  // Listening: the stream is open before anything is made to happen.
  await opened.locator('[data-live="on"]').waitFor();
  return opened;
}

const bellSays = (p: Page, text: RegExp) => p.getByTestId('bell').and(p.getByLabel(text)).waitFor({ timeout: 10_000 });

test('a forced locker door reaches the warehouse and the inspector at once, and no officer of another agency', async () => {
  const { world } = c;
  const warehouse = await page('warehouse', '/scan');
  const inspector = await page('inspector', '/search');
  const stranger = await page('strangerOfficer', '/cases');

  const locker = await connectDevice(
    await registerDevice({ code: 'LOCKER-LIVE', kind: 'locker', locationCode: world.loc('LOCKER') }),
  );
  const ack = await locker.send('door', { compartment: world.loc('C1'), side: 'back', state: 'open' });
  expect(ack).toMatchObject({ status: 'committed' });

  for (const screen of [warehouse, inspector]) {
    const banner = screen.getByTestId('live-alerts').getByRole('alert');
    await banner.waitFor({ timeout: 10_000 });
    await expect(banner.innerText()).resolves.toMatch(/柜门被强行打开|Door forced/);
    await expect(banner.innerText()).resolves.toContain(world.loc('C1'));
  }
  await screenshot(inspector, 'live-alert');
  await expectAccessible(inspector);

  // Something the stranger's agency is told of, after the alert: its bell counts a transfer offered to it.
  const [code] = await register(c.ctx, world);
  const transfer = await as(c.ctx, world.people.officer).post('/requests', {
    kind: 'transfer',
    itemCodes: [code],
    reason: '移交',
    toAgencyCode: world.agencies.otherPolice.code,
  });
  expect(transfer.status).toBe(201);
  await as(c.ctx, world.people.approver).post(`/requests/${transfer.body.id}/approve`).expect(200);
  await bellSays(stranger, /待办 1 项|1 waiting/);
  expect(await stranger.getByTestId('live-alerts').count()).toBe(0);

  // The bell opens onto the list behind it.
  await stranger.getByTestId('bell').click();
  await stranger.getByTestId('waiting-transfers').click();
  await stranger.waitForURL(/\/transfers$/);
});

test("an approver's bell counts a request as it is filed, and opens the decisions", async () => {
  const { world } = c;
  const approver = await page('approver', '/cases');
  const before = (await as(c.ctx, world.people.approver).get('/me/waiting').expect(200)).body.decisions as number;
  const [code] = await register(c.ctx, world);
  const filed = await as(c.ctx, world.people.officer).post('/requests', {
    kind: 'loan',
    itemCodes: [code],
    reason: '送检',
    borrower: '鉴定中心',
    purpose: 'lab',
    dueAt: new Date(Date.now() + 86_400_000).toISOString(),
  });
  expect(filed.status).toBe(201);
  await approver.getByTestId('bell').click();
  await approver
    .getByTestId('waiting-decisions')
    .filter({ hasText: String(before + 1) })
    .waitFor({ timeout: 10_000 });
  await screenshot(approver, 'bell');
  await approver.getByTestId('waiting-decisions').click();
  await approver.waitForURL(/\/decisions$/);
  await approver
    .getByText(filed.body.reason as string)
    .first()
    .waitFor();
});

test('the scan station shows what the fixed scanner at its place scans, as it is committed', async () => {
  const { world } = c;
  const station = await page('warehouse', '/scan');
  await station.getByTestId('scan-result').waitFor();
  // The station's place: a location label scanned first, as at the counter.
  await station.keyboard.type(world.loc('SHELF-1'), { delay: 4 });
  await station.keyboard.press('Enter');
  await station.getByRole('heading', { name: new RegExp(world.loc('SHELF-1')) }).waitFor();

  const device = await registerDevice({
    code: 'DOOR-SCAN',
    kind: 'scanner',
    mode: 'check_in',
    locationCode: world.loc('SHELF-1'),
  });
  const scanner = await connectDevice(device);
  const session = await signInAt(api(), world.people.warehouse.auth, scanner.client, device);
  const [code] = await received(c.ctx, world);
  const ack = await scanner.send('scan', { code, session });
  expect(ack).toMatchObject({ status: 'committed', item: { code, state: 'stored' } });

  const row = station.getByTestId('fixed-scans').locator('li').first();
  await row.waitFor({ timeout: 10_000 });
  expect(await row.getAttribute('data-outcome')).toBe('committed');
  expect((await row.innerText()).replace(/-/g, '')).toContain(code);
  await expect(row.innerText()).resolves.toContain('DOOR-SCAN');
  await screenshot(station, 'scan-station-fixed');
  await expectAccessible(station);
});

test('a burst of 300 alerts costs an open page a few reads, not one a change, and shows the newest', async () => {
  const { world } = c;
  const warehouse = await page('warehouse', '/alerts');
  const reads: string[] = [];
  warehouse.on('request', (request) => {
    if (/\/api\/v1\/(me\/waiting|alerts)\b/.test(request.url())) reads.push(request.url());
  });
  // As the morning's sweep raises them: many alerts in one commit, each a change of its own.
  await c.ctx.orm.em.fork().execute(
    `insert into alerts (id, kind, message, location_id)
     select gen_random_uuid(), 'temperature', 'burst ' || n, (select id from locations where code = ?)
       from generate_series(1, 300) n`,
    [world.loc('LOCKER')],
  );
  const newest = warehouse
    .getByTestId('live-alerts')
    .getByRole('alert')
    .filter({ hasText: /burst \d+/ });
  await newest.first().waitFor({ timeout: 10_000 });
  await expect(newest.count()).resolves.toBeLessThanOrEqual(3);
  // The reads the burst caused have been made once the bell counts it.
  await bellSays(warehouse, /99\+|待办 \d{3,} 项|\d{3,} waiting/);
  expect(reads.length).toBeGreaterThan(0);
  expect(reads.length).toBeLessThan(20);
});
