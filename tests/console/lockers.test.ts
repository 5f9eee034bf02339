import mqtt, { type MqttClient } from 'mqtt';
import { as, credentialsOf, phone, register } from '../world';
import { freePort } from '../ports';
import { PHONE, button, expectAccessible, screenshot } from './browser';
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

/** A smart locker: a real mqtt client of the server's broker that sends events, readings and collects commands. */
async function connectLocker(device: Device) {
  const client: MqttClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`, {
    clientId: device.id,
    username: device.id,
    password: device.password,
    reconnectPeriod: 0,
  });
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  const commands: { topic: string; body: Record<string, string> }[] = [];
  client.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic.endsWith('/ack')) acks.get(body.msgId)?.(body);
    else commands.push({ topic, body });
  });
  await client.subscribeAsync([`${device.topic}ack`, `${device.topic}cmd/#`], { qos: 1 });
  await client.publishAsync(`${device.topic}status`, JSON.stringify({ v: 1, online: true }), { qos: 1, retain: true });
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
  const read = (compartment: string, temperature: number) =>
    client.publishAsync(
      `${device.topic}tele`,
      JSON.stringify({ v: 1, deviceTime: new Date().toISOString(), compartment, temperature }),
      { qos: 1 },
    );
  return { client, send, read, commands };
}

test('the lockers page shows what a fridge locker reports, its warm compartment and alert, and unlocks for retrieval', async () => {
  const { world } = c;
  const admin = as(c.ctx, world.people.admin);
  for (const body of [
    { code: world.loc('COLD'), name: '冷藏室', kind: 'room', parentCode: world.loc('ZONE-G'), features: ['cold'] },
    { code: world.loc('FRIDGE'), name: '冷藏柜', kind: 'locker', parentCode: world.loc('COLD') },
    { code: world.loc('F1'), name: '一号格', kind: 'compartment', parentCode: world.loc('FRIDGE') },
    { code: world.loc('F2'), name: '二号格', kind: 'compartment', parentCode: world.loc('FRIDGE') },
  ])
    expect((await admin.post('/locations', body)).status).toBe(201);
  const registered = await fetch(`${c.baseURL}/api/v1/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: world.people.admin.auth },
    body: JSON.stringify({ code: 'FRIDGE-A', kind: 'locker', locationCode: world.loc('FRIDGE') }),
  });
  expect(registered.status).toBe(201);
  const device = (await registered.json()) as Device;
  const locker = await connectLocker(device);
  try {
    const [code] = await register(c.ctx, world, [
      { ...phone, category: 'biological', description: '血液样本一管', unit: '管', serialNumber: undefined },
    ]);
    const [f1, f2] = [world.loc('F1'), world.loc('F2')];
    expect(
      await locker.send('door', {
        compartment: f1,
        side: 'front',
        state: 'open',
        credential: credentialsOf(world.people.officer),
        itemCodes: [code],
      }),
    ).toMatchObject({ status: 'committed', reason: '1 deposited' });
    await locker.send('occupancy', { compartment: f1, occupied: true, doorClosed: false });
    await locker.send('door', { compartment: f1, side: 'front', state: 'closed' });
    await locker.read(f1, 4.5);
    await locker.read(f2, 5);

    const page = await (await c.context()).newPage();
    await signIn(page, world.people.warehouse, '/lockers');
    const card = (compartment: string) => page.locator(`[data-testid="compartment"][data-code="${compartment}"]`);
    const lockerCard = page.locator('[data-testid="locker"][data-code="FRIDGE-A"]');
    await card(f1).getByText('4.5 °C', { exact: true }).waitFor();
    expect(await lockerCard.getByTestId('presence').innerText()).toBe('在线');
    expect(await lockerCard.innerText()).toContain('最后联系');
    const first = await card(f1).innerText();
    expect(first).toContain('有物品');
    expect(first).toMatch(/前门\s*关/);
    expect(first).toContain('应在 2–8 °C');
    expect(first).toContain('血液样本一管');
    await card(f1).getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/items/${code}$`));
    await page.goBack();
    await card(f2).getByText('5 °C', { exact: true }).waitFor();
    expect(await card(f2).getByText('超出范围').count()).toBe(0);

    // Too warm: shown out of range at the next refresh, with the alert it raised and the way to deal with it.
    await locker.read(f2, 12.5);
    await card(f2).getByText('超出范围').waitFor({ timeout: 10_000 });
    const warm = card(f2).getByTestId('open-alerts');
    expect(await warm.innerText()).toMatch(/温度异常[\s\S]*12\.5 °C, outside 2–8 °C/);
    expect(await warm.getByRole('link', { name: '去处理' }).getAttribute('href')).toBe('/alerts');
    expect(
      await card(f2)
        .getByText('12.5 °C', { exact: true })
        .evaluate((el) => getComputedStyle(el).color),
    ).toBe('rgb(168, 7, 26)');
    await expectAccessible(page);
    await screenshot(page, 'lockers');

    // Unlock F1 for retrieval: asked first, then told until when the command is valid.
    await button(card(f1), '开柜').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('开柜指令在 60 秒内有效').waitFor();
    await dialog.getByRole('button', { name: '发送开柜指令' }).click();
    const sent = await dialog.getByTestId('unlock-sent').innerText();
    for (let i = 0; i < 50 && locker.commands.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(locker.commands).toHaveLength(1);
    const command = locker.commands[0]!;
    expect(command.topic).toBe(`${device.topic}cmd/unlock`);
    expect(command.body).toMatchObject({ compartment: f1, side: 'back' });
    // The expiry shown is the command's, in the browser's time zone (Asia/Shanghai).
    const expiry = new Date(Date.parse(command.body.expiresAt!) + 8 * 3600_000).toISOString().slice(11, 19);
    expect(sent).toContain(`开柜指令已发送，有效至 ${expiry}`);
    await expectAccessible(page);
    await screenshot(page, 'lockers-unlock');
    await button(dialog, '完成').click();

    // The locker opens the back door with that command: the items are retrieved, the door shows open.
    expect(
      await locker.send('door', { compartment: f1, side: 'back', state: 'open', cmdId: command.body.cmdId }),
    ).toMatchObject({ status: 'committed', reason: '1 retrieved' });
    await card(f1).getByTestId('items').getByRole('link').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await card(f1).getByTestId('items').innerText()).toMatch(/柜内财物\s*无/);
    expect(await card(f1).innerText()).toMatch(/后门\s*开/);

    await page.getByText('English', { exact: true }).click();
    await card(f2).getByText('Out of range').waitFor();
    expect(await card(f2).innerText()).toContain('must be 2–8 °C');

    // An inspector sees the same lockers, and nothing to unlock with.
    const inspector = await (await c.context(PHONE)).newPage();
    await signIn(inspector, world.people.inspector, '/lockers');
    await inspector.locator(`[data-testid="compartment"][data-code="${f2}"]`).getByText('超出范围').waitFor();
    expect(await inspector.getByRole('button', { name: /开\s*柜/ }).count()).toBe(0);
    await expectAccessible(inspector);
    await screenshot(inspector, 'lockers');
  } finally {
    await locker.client.endAsync();
  }
});
