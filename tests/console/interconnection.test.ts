import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { as, register } from '../world';
import { PHONE, button, choose, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

// Receivers on loopback are refused unless the deployment allows internal ones, as this test's server does.
let c: ConsoleWorld;
setUpConsole((world) => (c = world), { env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
jest.setTimeout(90_000);

const admin = () => as(c.ctx, c.world.people.admin);

async function adminPage(path: string): Promise<Page> {
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.admin, path);
  return page;
}

const row = (page: Page, text: string) => page.locator('.ant-table-row').filter({ hasText: text });

/** Checks the page in English too (its screenshot taken), then returns to Chinese. */
async function inEnglish(page: Page, name: string, wait: string) {
  await page.getByText('English', { exact: true }).click();
  await page.getByText(wait).first().waitFor();
  await expectAccessible(page);
  await screenshot(page, `${name}-en`);
  await page.getByText('中文', { exact: true }).click();
}

/** Waits until `done` holds, checking every tenth of a second. */
async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The token endpoint as a system calls it: the form body, its id and secret by HTTP Basic. */
async function token(clientId: string, secret: string) {
  const res = await fetch(`${c.baseURL}/api/v1/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: (await res.json()) as { access_token?: string; error?: string } };
}

const asClient = (accessToken: string) =>
  fetch(`${c.baseURL}/api/v1/cases`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);

test('an API client created here obtains tokens with the secret shown once; a new secret and a revocation refuse the old', async () => {
  const page = await adminPage('/admin/clients');
  const police = c.world.agencies.police;
  const name = `东城分局办案系统 ${c.world.loc('X').slice(2)}`;
  await button(page, '新建接入系统').first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('系统名称').fill(name);
  await choose(page, dialog.getByLabel('所属机构'), `东城公安分局（${police.code}）`);
  // A system is never an administrator: the role is not offered.
  expect(await dialog.getByLabel('管理员').count()).toBe(0);
  await dialog.getByLabel('办案民警').check();
  await dialog.getByLabel('内勤').check();
  await button(dialog, '新建接入系统').click();
  const secret = dialog.getByTestId('secret');
  await secret.waitFor();
  const clientSecret = (await secret.innerText()).trim();
  const clientId = (await dialog.innerText()).match(/client-[0-9a-f]{20}/)?.[0];
  expect(clientId).toBeDefined();
  expect(await dialog.innerText()).toContain('只显示这一次');
  expect(await dialog.innerText()).toContain(`${c.baseURL}/api/v1/oauth/token`);
  await expectAccessible(page);
  await screenshot(page, 'admin-client-created');
  await button(dialog.locator('.ant-modal-footer'), '关闭').click();

  const listed = row(page, clientId!);
  await listed.waitFor();
  expect(await listed.innerText()).toMatch(
    new RegExp(`${name}[\\s\\S]*东城公安分局[\\s\\S]*办案民警[\\s\\S]*内勤[\\s\\S]*在用`),
  );
  // The secret works: a token, and with it the system acts as an officer of its agency.
  const first = await token(clientId!, clientSecret);
  expect(first.status).toBe(200);
  expect(await asClient(first.body.access_token!)).toBe(200);
  await expectAccessible(page);
  await screenshot(page, 'admin-clients');
  await inEnglish(page, 'admin-clients', 'New API client');

  // A new secret, shown once: the old one and its token are refused, the new one works.
  await button(listed, '更换密钥').click();
  await button(page.locator('.ant-popconfirm'), '更换密钥').click();
  const given = page.getByRole('dialog').getByTestId('secret');
  await given.waitFor();
  const newSecret = (await given.innerText()).trim();
  expect(newSecret).not.toBe(clientSecret);
  await button(page.getByRole('dialog').locator('.ant-modal-footer'), '关闭').click();
  expect(await token(clientId!, clientSecret)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  expect(await asClient(first.body.access_token!)).toBe(401);
  const second = await token(clientId!, newSecret);
  expect(second.status).toBe(200);
  expect(await asClient(second.body.access_token!)).toBe(200);

  // Revoked: its token is refused at once, and it obtains no more.
  await button(listed, '吊销').click();
  await button(page.locator('.ant-popconfirm'), '吊销').click();
  await listed.getByText('已吊销').waitFor();
  expect(await button(listed, '吊销').count()).toBe(0);
  expect(await asClient(second.body.access_token!)).toBe(401);
  expect((await token(clientId!, newSecret)).status).toBe(401);
  const read = (await admin().get('/clients?active=false')).body.items;
  expect(read).toContainEqual(expect.objectContaining({ clientId, active: false, roles: ['officer', 'clerk'] }));

  // Its changes, named, in the directory log.
  await listed.getByRole('link', { name: '变更记录' }).click();
  await page.getByText(`只显示 ${name} 的变更`).waitFor();
  await page.locator('.ant-table-row').nth(2).waitFor();
  expect(await page.locator('.ant-table-row').allInnerTexts()).toEqual([
    expect.stringMatching(new RegExp(`吊销接入系统[\\s\\S]*接入系统 ${name}`)),
    expect.stringMatching(/更换接入系统密钥/),
    expect.stringMatching(new RegExp(`新建接入系统[\\s\\S]*clientId: ${clientId}`)),
  ]);
  await expectAccessible(page);
  await screenshot(page, 'admin-log-client');
});

interface Delivery {
  id: string;
  type: string;
  index: number;
}

// Closed after the file's tests even when one fails, or its open server would keep jest from exiting.
const receivers: { close(): Promise<void> }[] = [];
afterAll(() => Promise.all(receivers.map((r) => r.close())));

/**
 * A receiver as another system runs one, each delivery's signature checked with the standardwebhooks
 * library: it answers its first request 503, as a busy receiver does, and then 200.
 */
async function receiver() {
  const got: Delivery[] = [];
  const badSignatures: string[] = [];
  let secret = '';
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch (err) {
        badSignatures.push(String(err));
      }
      if (requests++ === 0) return void res.writeHead(503).end('busy, try again later');
      const parsed = JSON.parse(body) as { type: string; data: { index: number } };
      got.push({ id: req.headers['webhook-id'] as string, type: parsed.type, index: parsed.data.index });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  receivers.push({ close });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/custody/events`,
    got,
    badSignatures,
    useSecret: (s: string) => void (secret = s),
  };
}

/** Picks options of a multiple select, then closes its list. */
async function chooseMany(page: Page, field: ReturnType<Page['getByLabel']>, options: string[]) {
  await field.click();
  for (const option of options) {
    await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${option}"]`).click();
  }
  await page.keyboard.press('Escape');
}

test('a webhook subscribed here delivers signed events its attempts show; paused, resumed, replayed and deleted', async () => {
  const r = await receiver();
  const page = await adminPage('/admin/webhooks');
  await page.getByText('还没有推送订阅').waitFor();
  await button(page, '新建推送订阅').click();
  const dialog = page.getByRole('dialog');
  // A URL the server refuses (it holds credentials): its reason beside the field, and above the buttons.
  await dialog.getByLabel('接收地址').fill(r.url.replace('http://', 'http://user:pw@'));
  // Each event type in words, with the name the receiver reads.
  await dialog.getByLabel('事件类型').click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option[title="登记"] code').waitFor();
  await screenshot(page, 'admin-webhook-event-types');
  await page.keyboard.press('Escape');
  await chooseMany(page, dialog.getByLabel('事件类型'), ['登记', '入库']);
  await chooseMany(page, dialog.getByLabel('机构'), [`东城公安分局（${c.world.agencies.police.code}）`]);
  await button(dialog, '新建推送订阅').click();
  await dialog.getByTestId('problem-detail').waitFor();
  expect(await dialog.innerText()).toContain('输入有误');
  expect(await dialog.locator('.ant-form-item-explain-error').innerText()).toMatch(/must not hold credentials/);
  await expectAccessible(page);
  await screenshot(page, 'admin-webhook-refused');

  await dialog.getByLabel('接收地址').fill(r.url);
  await button(dialog, '新建推送订阅').click();
  const secret = dialog.getByTestId('secret');
  await secret.waitFor();
  const signingSecret = (await secret.innerText()).trim();
  expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  expect(await dialog.innerText()).toContain('只显示这一次');
  r.useSecret(signingSecret);
  await expectAccessible(page);
  await screenshot(page, 'admin-webhook-created');
  await button(dialog.locator('.ant-modal-footer'), '关闭').click();

  const subscription = row(page, r.url);
  await subscription.getByText('推送中').waitFor();
  expect(await subscription.innerText()).toMatch(/登记[\s\S]*入库/);

  // An item registered: its event reaches the receiver after one refusal, retried by the real server.
  await register(c.ctx, c.world);
  await until(() => r.got.length === 1, 'the first delivery');
  expect(r.got[0]).toMatchObject({ type: 'registered', id: `ledger-${r.got[0]!.index}` });
  await button(subscription, '投递记录').click();
  await page.waitForURL(/attempts=/);
  const drawer = page.locator('.ant-drawer');
  const attempts = drawer.locator('.ant-table-row');
  await attempts.nth(1).waitFor({ timeout: 15_000 });
  expect(await attempts.allInnerTexts()).toEqual([
    expect.stringMatching(
      new RegExp(`登记[\\s\\S]*ledger-${r.got[0]!.index}[\\s\\S]*HTTP 200[\\s\\S]*毫秒[\\s\\S]*received`),
    ),
    expect.stringMatching(
      new RegExp(`登记[\\s\\S]*ledger-${r.got[0]!.index}[\\s\\S]*HTTP 503[\\s\\S]*busy, try again later`),
    ),
  ]);
  await expectAccessible(page);
  await screenshot(page, 'admin-webhook-attempts');
  await drawer.locator('.ant-drawer-close').click();
  await page.waitForURL((url) => !url.search.includes('attempts='));
  // The drawer covers the language switch: in English, it is opened again.
  await page.getByText('English', { exact: true }).click();
  await button(subscription, 'Attempts').click();
  await drawer.getByText(`Attempts: ${r.url}`).waitFor();
  await drawer.getByText('HTTP 503').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'admin-webhook-attempts-en');
  await drawer.locator('.ant-drawer-close').click();
  await page.getByText('中文', { exact: true }).click();

  // Paused, nothing is delivered; resumed, what came meanwhile is.
  await button(subscription, '暂停').click();
  await subscription.getByText('已暂停').waitFor();
  await subscription.getByText('管理员暂停').waitFor();
  await register(c.ctx, c.world);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(r.got).toHaveLength(1);
  await expectAccessible(page);
  await screenshot(page, 'admin-webhooks-paused');
  await button(subscription, '恢复').click();
  await subscription.getByText('推送中').waitFor();
  await until(() => r.got.length === 2, 'the delivery after resuming');
  expect(r.got[1]!.index).toBeGreaterThan(r.got[0]!.index);

  // A replay past the ledger's end is refused in words; from the first event, it is delivered again, same id.
  await button(subscription, '重新推送').click();
  const replay = page.getByRole('dialog');
  await replay.getByLabel('起始序号').fill('99999999');
  await button(replay, '重新推送').click();
  await replay.getByTestId('problem-detail').waitFor();
  expect(await replay.innerText()).toContain('无法处理');
  expect(await replay.getByTestId('problem-detail').innerText()).toMatch(/past the ledger's end/);
  await replay.getByLabel('起始序号').fill(String(r.got[0]!.index));
  await button(replay, '重新推送').click();
  await replay.waitFor({ state: 'detached' });
  await until(() => r.got.length === 4, 'the replay');
  expect(r.got.slice(2).map((d) => d.id)).toEqual(r.got.slice(0, 2).map((d) => d.id));
  expect(r.badSignatures).toEqual([]);
  // The list follows the deliveries by itself, as they are not on the change stream.
  await subscription.getByText(`账本至 #${r.got[1]!.index}`).waitFor({ timeout: 10_000 });
  await expectAccessible(page);
  await screenshot(page, 'admin-webhooks');
  await inEnglish(page, 'admin-webhooks', 'New subscription');

  // Deleted: gone from the list; its changes stay in the directory log, named by its URL.
  const id = (await admin().get('/webhooks')).body.items[0].id as string;
  await button(subscription, '删除').click();
  await button(page.locator('.ant-popconfirm'), '删除').click();
  await page.getByText('还没有推送订阅').waitFor();
  await page.goto(`/admin/log?subject=${id}`);
  await page.getByText(`只显示 ${r.url} 的变更`).waitFor();
  await page.locator('.ant-table-row').nth(4).waitFor();
  expect(await page.locator('.ant-table-row').allInnerTexts()).toEqual(
    ['删除推送订阅', '重新推送', '恢复推送', '暂停推送', '新建推送订阅'].map((action) =>
      expect.stringMatching(new RegExp(`${action}[\\s\\S]*推送订阅 ${r.url}`)),
    ),
  );
  await expectAccessible(page);
  await screenshot(page, 'admin-log-webhook');
});

test("on a phone, the API clients and the webhooks, with a subscription's attempts, fit the screen", async () => {
  const r = await receiver();
  // Made through the server process, whose deployment allows a receiver on loopback.
  const made = await fetch(`${c.baseURL}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: c.world.people.admin.auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: r.url,
      eventTypes: ['registered', 'handover', 'check_in', 'move', 'alert.changed'],
      agencyCodes: [c.world.agencies.police.code],
    }),
  });
  expect(made.status).toBe(201);
  const { id, secret } = (await made.json()) as { id: string; secret: string };
  r.useSecret(secret);
  await register(c.ctx, c.world);
  await until(() => r.got.length === 1, 'the delivery');
  const page = await (await c.context(PHONE)).newPage();
  await signIn(page, c.world.people.admin, '/admin/clients');
  await page.locator('.ant-table-row').first().waitFor();
  await expectAccessible(page);
  await screenshot(page, 'admin-clients');
  await page.goto('/admin/webhooks');
  const subscription = row(page, r.url);
  await subscription.getByText('+2').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'admin-webhooks');
  await button(subscription, '投递记录').click();
  await page.locator('.ant-drawer .ant-table-row').nth(1).waitFor({ timeout: 15_000 });
  await expectAccessible(page);
  await screenshot(page, 'admin-webhook-attempts');
  expect((await admin().delete(`/webhooks/${id}`)).status).toBe(204);
});
