import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';

/**
 * `npm run simulate`: a newcomer's tour of the devices against a running `npm start`. It signs in as admin,
 * sets up a small police agency, a shelf and a locker of its own, then drives a check-in scanner, a smart
 * locker and an inventory scanner over MQTT, forces a locker door, and prints what happened, including the
 * items' histories. Every run uses fresh codes, so it can be run again.
 */

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://127.0.0.1:3000' },
    mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    'admin-password': { type: 'string', default: process.env.CUSTODY_ADMIN_PASSWORD },
  },
});
const api = `${values.server}/api/v1`;
const tag = randomBytes(2).toString('hex').toUpperCase();
const say = (text: string) => process.stdout.write(`${text}\n`);

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T & { detail?: string };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.detail ?? ''}`);
  return json;
}

const login = async (username: string, password: string) =>
  (await call<{ accessToken: string }>('POST', '/auth/login', null, { username, password })).accessToken;

/** Signs in with the password the administrator set and changes it, as a first sign-in must; the new password. */
async function firstSignIn(username: string, given: string): Promise<{ token: string; password: string }> {
  const limited = await login(username, given);
  const password = randomBytes(12).toString('base64url');
  const changed = await call<{ accessToken: string }>('POST', '/auth/password', limited, {
    currentPassword: given,
    newPassword: password,
  });
  return { token: changed.accessToken, password };
}

interface SimDevice {
  id: string;
  client: MqttClient;
  send(type: string, body: object): Promise<Record<string, unknown>>;
  commands: Record<string, unknown>[];
}

async function device(admin: string, body: object): Promise<SimDevice> {
  const registered = await call<{ id: string; password: string; topic: string }>('POST', '/devices', admin, body);
  const client = await mqtt.connectAsync(values.mqtt, {
    clientId: registered.id,
    username: registered.id,
    password: registered.password,
    will: { topic: `${registered.topic}status`, payload: Buffer.from('{"v":1,"online":false}'), qos: 1, retain: true },
  });
  await client.publishAsync(`${registered.topic}status`, '{"v":1,"online":true}', { qos: 1, retain: true });
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  const commands: Record<string, unknown>[] = [];
  client.on('message', (topic, payload) => {
    const message = JSON.parse(payload.toString());
    if (topic.endsWith('/ack')) acks.get(message.msgId)?.(message);
    else commands.push(message);
  });
  await client.subscribeAsync([`${registered.topic}ack`, `${registered.topic}cmd/#`], { qos: 1 });
  let seq = 0;
  const send = (type: string, payload: object) =>
    new Promise<Record<string, unknown>>((resolve) => {
      // A message sent again keeps its id: that is how the server knows it is the same one.
      const msgId = (payload as { msgId?: string }).msgId ?? `${type}-${tag}-${seq}`;
      acks.set(msgId, resolve);
      void client.publishAsync(
        `${registered.topic}evt/${type}`,
        JSON.stringify({ v: 1, msgId, seq: seq++, bootId: tag, deviceTime: new Date().toISOString(), ...payload }),
        { qos: 1 },
      );
    });
  return { id: registered.id, client, send, commands };
}

async function main(): Promise<void> {
  if (!values['admin-password'])
    throw new Error('give --admin-password (or CUSTODY_ADMIN_PASSWORD): the password of the admin user');
  const admin = await login('admin', values['admin-password']);
  const police = `SIM-PSB-${tag}`;
  await call('POST', '/agencies', admin, { code: police, name: `Simulated police ${tag}`, kind: 'police' });
  const passwords = { officer: randomBytes(12).toString('base64url'), keeper: randomBytes(12).toString('base64url') };
  await call('POST', '/users', admin, {
    username: `sim-officer-${tag.toLowerCase()}`,
    displayName: 'Sim officer',
    agencyCode: police,
    roles: ['officer'],
    password: passwords.officer,
  });
  await call('POST', '/users', admin, {
    username: `sim-keeper-${tag.toLowerCase()}`,
    displayName: 'Sim keeper',
    agencyCode: 'CENTRE',
    roles: ['warehouse'],
    password: passwords.keeper,
  });
  const officerAccount = await firstSignIn(`sim-officer-${tag.toLowerCase()}`, passwords.officer);
  const keeperAccount = await firstSignIn(`sim-keeper-${tag.toLowerCase()}`, passwords.keeper);
  passwords.officer = officerAccount.password;
  passwords.keeper = keeperAccount.password;
  const [officer, keeper] = [officerAccount.token, keeperAccount.token];
  const loc = (code: string) => `SIM-${code}-${tag}`;
  for (const [code, kind, parent] of [
    ['SITE', 'site'],
    ['ROOM', 'room', 'SITE'],
    ['SHELF', 'shelf', 'ROOM'],
    ['LOCKER', 'locker', 'ROOM'],
    ['C1', 'compartment', 'LOCKER'],
  ] as const) {
    await call('POST', '/locations', admin, {
      code: loc(code),
      name: code,
      kind,
      ...(parent ? { parentCode: loc(parent) } : {}),
    });
  }
  say(`set up agency ${police}, a shelf ${loc('SHELF')} and a locker ${loc('LOCKER')}`);

  const created = await call<{ id: string }>('POST', '/cases', officer, {
    caseNumber: `SIM-${tag}`,
    title: '模拟案件',
    openedOn: new Date().toISOString().slice(0, 10),
  });
  const seized = { category: 'electronics', quantity: 1, unit: '部', seizedAt: new Date().toISOString() };
  const items = (
    await call<{ items: { code: string }[] }>('POST', `/cases/${created.id}/items`, officer, {
      items: ['手机', '笔记本电脑', '移动硬盘', 'U盘'].map((description) => ({ ...seized, description })),
    })
  ).items.map((i) => i.code);
  say(`officer registered ${items.length} items: ${items.join(', ')}`);

  const scanner = await device(admin, {
    code: loc('SCANNER'),
    kind: 'scanner',
    mode: 'check_in',
    locationCode: loc('SHELF'),
  });
  const auditor = await device(admin, {
    code: loc('AUDITOR'),
    kind: 'scanner',
    mode: 'audit',
    locationCode: loc('SHELF'),
  });
  const locker = await device(admin, { code: loc('LOCKER-DEV'), kind: 'locker', locationCode: loc('LOCKER') });
  // The keeper signs in at each scanner as at a station: a code from the console (their own token), typed in.
  const signIn = async (station: SimDevice) => {
    const { code } = await call<{ code: string }>('POST', `/devices/${station.id}/operator-session`, keeper, {});
    const ack = await station.send('operator', { action: 'sign_in', code });
    if (ack.status !== 'committed') throw new Error(`sign-in at a scanner: ${String(ack.reason)}`);
    say(`keeper signs in at a scanner with code ${code} → ${String(ack.reason)}`);
    return (ack.session as { id: string }).id;
  };
  const session = await signIn(scanner);

  await call('POST', '/handovers', keeper, {
    itemCodes: items.slice(0, 2),
    handedOverBy: { username: `sim-officer-${tag.toLowerCase()}`, password: passwords.officer },
  });
  for (const code of items.slice(0, 2)) {
    const ack = await scanner.send('scan', { code, session });
    say(`scanner: ${code} → ${ack.status} ${JSON.stringify(ack.item ?? ack.reason)}`);
  }
  const again = await scanner.send('scan', { code: items[0], session, msgId: `scan-${tag}-1` });
  say(`scanner: the first scan again → ${again.status}`);

  const deposit = await locker.send('door', {
    compartment: loc('C1'),
    side: 'front',
    state: 'open',
    credential: { username: `sim-officer-${tag.toLowerCase()}`, password: passwords.officer },
    itemCodes: [items[2]],
  });
  say(`locker: officer deposits ${items[2]} → ${deposit.status} (${deposit.reason})`);
  const command = await call<{ cmdId: string }>(
    'POST',
    `/lockers/${locker.id}/compartments/${loc('C1')}/unlock`,
    keeper,
    { ttlSeconds: 60 },
  );
  while (locker.commands.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const retrieval = await locker.send('door', {
    compartment: loc('C1'),
    side: 'back',
    state: 'open',
    cmdId: command.cmdId,
  });
  say(`locker: keeper's unlock ${command.cmdId} opens the back door → ${retrieval.status} (${retrieval.reason})`);
  const forced = await locker.send('door', { compartment: loc('C1'), side: 'back', state: 'open' });
  say(`locker: back door opened with no command → ${forced.status} (${forced.reason})`);
  const replayed = await locker.send('door', {
    compartment: loc('C1'),
    side: 'back',
    state: 'open',
    cmdId: command.cmdId,
  });
  say(`locker: the same unlock command again → ${replayed.status} (${replayed.reason})`);

  const audit = await call<{ id: string; expected: number }>('POST', '/audits', keeper, { locationCode: loc('ROOM') });
  const counted = await auditor.send('scan', { code: items[0], session: await signIn(auditor) });
  say(`inventory of ${loc('ROOM')} expects ${audit.expected}; auditor counts ${items[0]} → ${counted.status}`);
  const result = await call<Record<string, unknown>>('POST', `/audits/${audit.id}/close`, keeper);
  say(`inventory closed: ${JSON.stringify(result)}`);

  const alerts = await call<{ items: { kind: string; message: string }[] }>('GET', '/alerts?limit=20', keeper);
  for (const alert of alerts.items.filter(
    (a) => a.message.includes(tag) || items.some((code) => a.message.includes(code)),
  ))
    say(`alert ${alert.kind}: ${alert.message}`);
  for (const code of items.slice(0, 3)) {
    const history = await call<{ items: { type: string; envelope: { device: string | null } }[] }>(
      'GET',
      `/items/${code}/events`,
      keeper,
    );
    say(`history of ${code}: ${history.items.map((e) => e.type + (e.envelope.device ? '(device)' : '')).join(' → ')}`);
  }
  for (const d of [scanner, auditor, locker]) await d.client.endAsync();
}

main().catch((err: unknown) => {
  process.stderr.write(`simulate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
