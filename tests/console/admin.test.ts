import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { witnessOnce } from '../../src/cli/witness';
import { COSIGNATURE_V1, formatVerifierKey, generateSignerKey, parseSignerKey } from '../../src/custody/ledger/note';
import { decodeImage } from '../decode';
import { signInAt } from '../operator';
import { as, received, register } from '../world';
import { PHONE, button, choose, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

// A witness whose cosignatures the server accepts, as an inspectorate would run one.
const witness = parseSignerKey(generateSignerKey('witness.test/inspectorate', COSIGNATURE_V1));
let c: ConsoleWorld;
setUpConsole((world) => (c = world), { env: { CUSTODY_WITNESS_KEYS: formatVerifierKey(witness) } });
jest.setTimeout(90_000);

const admin = () => as(c.ctx, c.world.people.admin);
const suffix = () => c.world.loc('X').slice(2);

async function adminPage(path: string): Promise<Page> {
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.admin, path);
  return page;
}

/** A row of the page's table, by a text in it. */
const row = (page: Page, text: string) => page.locator('.ant-table-row').filter({ hasText: text });

/**
 * Opens an entry of the administration submenu as a mouse does: onto the submenu's title, then the entry. The
 * submenu opens a moment after the pointer arrives; on a busy machine that moment can pass unnoticed, and the
 * pointer goes away and comes back.
 */
async function fromMenu(page: Page, entry: string) {
  const item = page.getByRole('menuitem', { name: entry, exact: true });
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(600, 400);
    await page.getByRole('menuitem', { name: '管理' }).hover();
    try {
      await item.click({ timeout: 5000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

async function inEnglish(page: Page, name: string, wait: string) {
  await page.getByText('English', { exact: true }).click();
  await page.getByText(wait).first().waitFor();
  await screenshot(page, `${name}-en`);
  await page.getByText('中文', { exact: true }).click();
}

test('an administrator lands on the users, reaches every administration page from the menu, and creates and renames an agency', async () => {
  const page = await adminPage('/');
  await page.waitForURL(/\/admin\/users$/);
  for (const [entry, path] of [
    ['机构', 'agencies'],
    ['库位', 'locations'],
    ['设备', 'devices'],
    ['接入系统', 'clients'],
    ['事件推送', 'webhooks'],
    ['账本密钥', 'keys'],
    ['目录日志', 'log'],
  ] as const) {
    await fromMenu(page, entry);
    await page.waitForURL(new RegExp(`/admin/${path}$`));
  }

  await page.goto('/admin/agencies');
  const code = `NEW-${suffix()}`;
  const create = async () => {
    await button(page, '新建机构').first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('机构代码').fill(code);
    await dialog.getByLabel('名称').fill('南城公安分局');
    await choose(page, dialog.getByLabel('类别'), '公安机关');
    await button(dialog, '新建机构').click();
    return dialog;
  };
  await (await create()).waitFor({ state: 'detached' });
  await row(page, code).waitFor();
  // The same code again: the server's problem detail, in the dialog.
  const dialog = await create();
  await dialog.getByTestId('problem-detail').waitFor();
  expect(await dialog.getByTestId('problem-detail').innerText()).toBe(`an agency with code ${code} already exists`);
  expect(await dialog.innerText()).toContain('与当前状态冲突');
  await expectAccessible(page);
  await button(dialog, '取消').click();

  await row(page, code)
    .getByRole('button', { name: `修改 ${code}` })
    .click();
  await page.getByRole('dialog').getByLabel('名称').fill('南城区公安分局');
  await button(page.getByRole('dialog'), '保存').click();
  await row(page, '南城区公安分局').waitFor();
  const agencies = (await admin().get('/agencies?limit=200')).body.items;
  expect(agencies).toContainEqual(expect.objectContaining({ code, name: '南城区公安分局', kind: 'police' }));
  await screenshot(page, 'admin-agencies');
});

test('a user created here signs in with the password shown once, and is given roles, a new password and deactivated', async () => {
  const page = await adminPage('/admin/users');
  const username = `li.${suffix().toLowerCase()}`;
  await button(page, '新建用户').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('用户名').fill(username);
  await dialog.getByLabel('姓名').fill('李警官');
  await choose(page, dialog.getByLabel('所属机构'), `东城公安分局（${c.world.agencies.police.code}）`);
  await dialog.getByLabel('办案民警').check();
  await button(dialog, '新建用户').click();
  const secret = dialog.getByTestId('secret');
  await secret.waitFor();
  const password = (await secret.innerText()).trim();
  expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
  expect(await dialog.innerText()).toContain('只显示这一次');
  await expectAccessible(page);
  await screenshot(page, 'admin-user-created');
  await button(dialog.locator('.ant-modal-footer'), '关闭').click();

  // The person signs in elsewhere with it, and must choose their own first.
  const theirs = await (await c.context()).newPage();
  await theirs.goto('/sign-in');
  await theirs.getByLabel('用户名').fill(username);
  await theirs.getByLabel(/^密码$/).fill(password);
  await button(theirs, '登录').click();
  await theirs.getByText('请设置新密码').waitFor();
  await theirs.getByLabel('新密码', { exact: true }).fill('correct horse battery 7');
  await theirs.getByLabel('再次输入新密码').fill('correct horse battery 7');
  await button(theirs, '设置并继续').click();
  await theirs.waitForURL(/\/cases$/);

  const user = row(page, username);
  await user.waitFor();
  expect(await user.innerText()).toMatch(/李警官[\s\S]*东城公安分局[\s\S]*办案民警/);
  await screenshot(page, 'admin-users');
  await inEnglish(page, 'admin-users', 'New user');

  // Roles: an approver too.
  await button(user, '角色').click();
  await page.getByRole('dialog').getByLabel('审批人').check();
  await button(page.getByRole('dialog'), '保存').click();
  await user.getByText('审批人').waitFor();

  // A new password, shown once; their session ends at once.
  await button(user, '重置密码').click();
  await button(page.getByRole('dialog'), '重置密码').click();
  const again = page.getByRole('dialog').getByTestId('secret');
  await again.waitFor();
  const given = (await again.innerText()).trim();
  expect(given).not.toBe(password);
  await button(page.getByRole('dialog').locator('.ant-modal-footer'), '关闭').click();
  await user.getByText('待改密码').waitFor();
  const signIn = await fetch(`${c.baseURL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: given }),
  });
  expect(signIn.status).toBe(200);
  expect(((await signIn.json()) as { passwordChangeRequired: boolean }).passwordChangeRequired).toBe(true);

  await button(user, '停用').click();
  await button(page.locator('.ant-popconfirm'), '停用').click();
  await user.getByText('已停用').waitFor();
  const listed = (await admin().get(`/users?agencyCode=${c.world.agencies.police.code}&role=approver`)).body.items;
  expect(listed).toContainEqual(expect.objectContaining({ username, roles: ['officer', 'approver'], active: false }));
});

test('a shelf is added inside a room and given a capacity, and the rule shows in the tree', async () => {
  const page = await adminPage('/admin/locations');
  const room = c.world.loc('ROOM-1');
  await button(row(page, room), '添加下级').click();
  const dialog = page.getByRole('dialog');
  const shelf = c.world.loc('SHELF-9');
  await dialog.getByLabel('编码').fill(shelf);
  await dialog.getByLabel('名称').fill('九号货架');
  await button(dialog, '添加').click();
  await dialog.waitFor({ state: 'detached' });
  await row(page, shelf).waitFor();
  expect((await admin().get(`/locations/${shelf}`)).body).toMatchObject({
    kind: 'shelf',
    name: '九号货架',
    parentId: (await admin().get(`/locations/${room}`)).body.id,
  });

  await button(row(page, shelf), '修改').click();
  await dialog.getByText('现存 0 件财物').waitFor();
  await dialog.getByLabel('容量（件，不填则不限）').fill('30');
  await dialog.getByLabel('冷藏').check();
  await button(dialog, '保存').click();
  await dialog.waitFor({ state: 'detached' });
  await row(page, shelf).getByText('冷藏').waitFor();
  expect((await admin().get(`/locations/${shelf}`)).body).toMatchObject({ capacity: 30, features: ['cold'] });
  await expectAccessible(page);
  await screenshot(page, 'admin-locations');
});

test('a scanner registered here connects with the password and QR code shown once; rotated, the old one is refused', async () => {
  const page = await adminPage('/admin/devices');
  const code = c.world.loc('SCAN-1');
  await button(page, '登记设备').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('设备编号').fill(code);
  // Among many places: found by typing, as a person would.
  await dialog.getByLabel('所在位置').click();
  await page.keyboard.type(c.world.loc('SHELF-1'));
  await page.locator(`.ant-select-dropdown:visible [title="${c.world.loc('SHELF-1')} Shelf 1"]`).click();
  await button(dialog, '登记设备').click();
  const qr = dialog.getByTestId('provisioning-qr');
  await qr.waitFor();
  const password = (await dialog.getByTestId('secret').innerText()).trim();
  const [symbol] = await decodeImage(await qr.screenshot());
  expect(symbol?.type).toBe('QR-Code');
  const provisioned = JSON.parse(symbol!.data) as Record<string, string>;
  const device = (await admin().get('/devices')).body.items.find((d: { code: string }) => d.code === code);
  expect(provisioned).toEqual({
    v: 1,
    broker: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/),
    clientId: device.id,
    username: device.id,
    password,
    topic: `custody/v1/scanner/${device.id}/`,
    code,
    kind: 'scanner',
    mode: 'check_in',
  });
  await expectAccessible(page);
  await screenshot(page, 'admin-device-registered');
  await button(dialog.locator('.ant-modal-footer'), '关闭').click();

  // The scanner, configured from the QR code alone, is let in and reports itself online: the open list
  // shows it without being read again by hand.
  const connect = (secret: string) =>
    mqtt.connectAsync(provisioned.broker!, {
      clientId: provisioned.clientId,
      username: provisioned.username,
      password: secret,
      reconnectPeriod: 0,
    });
  const scanner = await connect(provisioned.password!);
  await scanner.publishAsync(`${provisioned.topic}status`, JSON.stringify({ v: 1, online: true }), {
    qos: 1,
    retain: true,
  });
  const listed = row(page, code);
  await listed.getByText('在线').waitFor();
  expect(await listed.innerText()).not.toContain('从未连接');
  await expectAccessible(page);
  await screenshot(page, 'admin-devices');
  await inEnglish(page, 'admin-devices', 'Register a device');

  // Its first scan, by a warehouse user signed in at it, reaches the scan station at its shelf as committed.
  const station = await (await c.context()).newPage();
  await signIn(station, c.world.people.warehouse, '/scan');
  await station.locator('[data-live="on"]').waitFor();
  await station.keyboard.type(c.world.loc('SHELF-1'), { delay: 4 });
  await station.keyboard.press('Enter');
  await station.getByRole('heading', { name: new RegExp(c.world.loc('SHELF-1')) }).waitFor();
  await scanner.subscribeAsync(`${provisioned.topic}ack`, { qos: 1 });
  const session = await signInAt(`${c.baseURL}/api/v1`, c.world.people.warehouse.auth, scanner, {
    id: provisioned.clientId!,
    topic: provisioned.topic!,
  });
  const [item] = await received(c.ctx, c.world);
  const scanned = new Promise<Record<string, unknown>>((resolve) =>
    scanner.on('message', (_topic, payload) => {
      const ack = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (ack.msgId === 'first-scan') resolve(ack);
    }),
  );
  await scanner.publishAsync(
    `${provisioned.topic}evt/scan`,
    JSON.stringify({
      v: 1,
      msgId: 'first-scan',
      seq: 1,
      bootId: 'boot',
      deviceTime: new Date().toISOString(),
      code: item,
      session,
    }),
    { qos: 1 },
  );
  expect(await scanned).toMatchObject({ status: 'committed', item: { code: item, state: 'stored' } });
  const shown = station.getByTestId('fixed-scans').locator('li').first();
  await shown.waitFor({ timeout: 10_000 });
  expect(await shown.getAttribute('data-outcome')).toBe('committed');
  expect((await shown.innerText()).replace(/-/g, '')).toContain(item);
  await station.close();

  // A new password: the connection is cut, the old password refused, the new one let in.
  const cut = new Promise<void>((resolve) => scanner.once('close', () => resolve()));
  await button(listed, '更换密码').click();
  await button(page.locator('.ant-popconfirm'), '更换密码').click();
  const rotated = page.getByRole('dialog').getByTestId('secret');
  await rotated.waitFor();
  const next = (await rotated.innerText()).trim();
  expect(next).not.toBe(password);
  await cut;
  await expect(connect(password)).rejects.toThrow(/Bad username or password|Not authorized/i);
  const again = await connect(next);
  await again.endAsync();
  await button(page.getByRole('dialog').locator('.ant-modal-footer'), '关闭').click();

  await button(listed, '停用').click();
  await button(page.locator('.ant-popconfirm'), '停用').click();
  await listed.getByText('已停用').waitFor();
  await expect(connect(next)).rejects.toThrow();
});

test('the ledger keys page shows the pinned key and signs a checkpoint; the directory log names the changes and verifies', async () => {
  await register(c.ctx, c.world);
  const page = await adminPage('/admin/keys');
  const key = (await admin().get('/ledger/key')).body;
  await page.getByTestId('verifier-key').waitFor();
  expect(await page.getByTestId('verifier-key').innerText()).toContain(key.verifierKey);
  const witnessRow = row(page, 'witness.test/inspectorate');
  await witnessRow.getByText('尚未会签').waitFor();
  await button(page, '立即签发检查点').click();
  await page.getByTestId('checkpoint-size').waitFor();
  expect(Number(await page.getByTestId('checkpoint-size').innerText())).toBeGreaterThan(0);
  // The witness cosigns it; the page checks the cosignature with the witness's key.
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-witness-'));
  await witnessOnce({
    server: c.baseURL,
    logKey: c.ctx.ledger.signer,
    signer: witness,
    stateFile: path.join(state, 'state.json'),
    log: () => {},
  });
  fs.rmSync(state, { recursive: true, force: true });
  await page.reload();
  await witnessRow.getByText(/^已会签（/).waitFor();
  await expectAccessible(page);
  await screenshot(page, 'admin-keys');

  await page.goto('/admin/log');
  await page.locator('.ant-table-row').first().waitFor();
  expect(await page.locator('.ant-table-row').first().innerText()).toMatch(/停用设备|登记设备|更换设备密码/);
  await button(page, '验证目录日志').click();
  const result = page.getByTestId('directory-log-result');
  await result.waitFor();
  expect(await result.innerText()).toMatch(/目录日志完整：共 \d+ 条记录/);
  // One subject's changes, from its page.
  await page.goto('/admin/agencies');
  await row(page, `NEW-${suffix()}`).getByRole('link', { name: '变更记录' }).click();
  await page.getByText(/只显示 NEW-/).waitFor();
  await page.locator('.ant-table-row').nth(1).waitFor();
  expect(await page.locator('.ant-table-row').allInnerTexts()).toEqual([
    expect.stringMatching(/修改机构[\s\S]*name: 南城公安分局 → 南城区公安分局/),
    expect.stringMatching(/新建机构/),
  ]);
  await expectAccessible(page);
  await screenshot(page, 'admin-log');

  // An inspector reads the same log from the same menu, which offers them nothing else of administration.
  const inspector = await (await c.context()).newPage();
  await signIn(inspector, c.world.people.inspector, '/');
  await fromMenu(inspector, '目录日志');
  await inspector.locator('.ant-table-row').first().waitFor();
  expect(await inspector.getByRole('menuitem', { name: '用户', exact: true }).count()).toBe(0);
  await button(inspector, '验证目录日志').click();
  await inspector.getByTestId('directory-log-result').getByText('目录日志完整').waitFor();
});

test('on a phone, the administration pages open from the menu button', async () => {
  const page = await (await c.context(PHONE)).newPage();
  await signIn(page, c.world.people.admin, '/');
  await page.waitForURL(/\/admin\/users$/);
  await page.locator('.ant-table-row').first().waitFor();
  await screenshot(page, 'admin-users');
  await page.getByRole('button', { name: '导航' }).click();
  await page.getByRole('menuitem', { name: '管理' }).click();
  await page.getByRole('menuitem', { name: '设备', exact: true }).click();
  await page.waitForURL(/\/admin\/devices$/);
  await page.locator('.ant-table-row').first().waitFor();
  await screenshot(page, 'admin-devices');
});
