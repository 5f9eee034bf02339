import type { Page } from 'playwright-core';
import { TEST_PASSWORD } from '../factories';
import { as, credentialsOf, phone, received, register, stored } from '../world';
import { PHONE, button, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(80_000);

const cash = {
  ...phone,
  category: 'cash',
  description: '人民币现金一捆',
  quantity: 100,
  unit: '张',
  amount: '10000',
  currency: 'CNY',
  serialNumber: undefined,
  weightGrams: undefined,
};

const grouped = (code: string) => `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;

/** What a keyboard-wedge scanner does: the code's characters a few milliseconds apart, then Enter. */
async function scan(page: Page, text: string): Promise<{ outcome: string; message: string }> {
  const before = await page
    .getByTestId('scan-list')
    .locator('li')
    .count()
    .catch(() => 0);
  await page.keyboard.type(text, { delay: 4 });
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="scan-list"] li').length > n, before, {
    timeout: 10_000,
  });
  return lastResult(page);
}

async function lastResult(page: Page) {
  const panel = page.getByTestId('scan-result');
  return {
    outcome: (await panel.getAttribute('data-outcome'))!,
    message: await page.getByTestId('scan-message').innerText(),
  };
}

async function item(code: string) {
  return (await as(c.ctx, c.world.people.inspector).get(`/items/${code}`)).body;
}

async function lastEvent(code: string) {
  const events = (await as(c.ctx, c.world.people.inspector).get(`/items/${code}/events`)).body.items;
  return events.at(-1).envelope;
}

async function station(size?: { width: number; height: number }) {
  const page = await (await c.context(size)).newPage();
  await signIn(page, c.world.people.warehouse, '/scan');
  await page.getByTestId('scan-result').waitFor();
  return page;
}

/** Axe reads colours mid-animation as faded: it looks once the dialog has finished opening. */
async function accessible(page: Page) {
  await page.waitForFunction(
    () =>
      !document.getAnimations().some((a) => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity),
    undefined,
    { timeout: 5_000 },
  );
  await expectAccessible(page);
}

const chooseMode = (page: Page, name: RegExp) => page.locator('.ant-radio-button-wrapper', { hasText: name }).click();

test('items are checked in by typing like a scanner: location first, cash with a witness, a typo refused', async () => {
  const [first, second] = await received(c.ctx, c.world, 2);
  const [money] = await register(c.ctx, c.world, [cash]);
  const handover = await as(c.ctx, c.world.people.warehouse).post('/handovers', {
    itemCodes: [money],
    handedOverBy: credentialsOf(c.world.people.officer),
  });
  expect(handover.status).toBe(201);
  const page = await station();
  expect(await page.locator('h1').innerText()).toBe('扫码工作台');
  await accessible(page);
  await screenshot(page, 'scan-station');

  // An item before any location is refused, and nothing is sent for it.
  expect(await scan(page, first!)).toEqual({ outcome: 'refused', message: '请先扫描库位标签' });
  expect((await item(first!)).state).toBe('received');

  expect(await scan(page, c.world.loc('SHELF-1'))).toEqual({
    outcome: 'info',
    message: `库位：${c.world.loc('SHELF-1')} · Shelf 1`,
  });
  expect(await page.getByTestId('scan-target').innerText()).toContain(c.world.loc('SHELF-1'));
  // The input kept the focus through all of it.
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('scan-input');

  const done = await scan(page, first!);
  expect(done).toEqual({ outcome: 'committed', message: `已入库到 ${c.world.loc('SHELF-1')} · Shelf 1` });
  expect(await item(first!)).toMatchObject({ state: 'stored', locationCode: c.world.loc('SHELF-1') });
  await accessible(page);
  await screenshot(page, 'scan-station-checked-in');

  // Scanned again in this session: amber, and no second request.
  expect((await scan(page, grouped(first!).toLowerCase())).outcome).toBe('duplicate');

  // One character off: the check character refuses it, and the item it might be mistaken for stays as it was.
  const typo = second!.slice(0, 9) + (second!.endsWith('0') ? '1' : '0');
  expect(await scan(page, typo)).toEqual({ outcome: 'refused', message: '编码校验位不符，可能扫错或输错，请重扫' });
  expect((await item(second!)).state).toBe('received');
  expect(await scan(page, second!.slice(0, 8))).toMatchObject({ outcome: 'refused' });
  await accessible(page);
  await screenshot(page, 'scan-station-refused');

  // A click elsewhere on the page gives the focus back to the input.
  await page.locator('h1').click();
  await page.waitForFunction(() => document.activeElement?.id === 'scan-input');

  // Cash goes in the safe, and only with a second person's username and password.
  expect((await scan(page, c.world.loc('SAFE'))).outcome).toBe('info');
  await page.keyboard.type(money!, { delay: 4 });
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.getByText('现金须由第二人在场见证').waitFor();
  await accessible(page);
  await screenshot(page, 'scan-station-witness');
  await dialog.getByLabel('见证人用户名').fill(c.world.people.warehouse2.user.username);
  await dialog.getByLabel('见证人密码').fill('not the password');
  await dialog.getByLabel('见证人密码').press('Enter');
  // A wrong password asks again, saying why.
  await dialog.getByTestId('problem-detail').waitFor();
  expect(await dialog.getByTestId('problem-detail').innerText()).toMatch(/username or password is wrong/);
  await dialog.getByLabel('见证人用户名').fill(c.world.people.warehouse2.user.username);
  await dialog.getByLabel('见证人密码').fill(TEST_PASSWORD);
  await dialog.getByRole('button', { name: /确\s*认/ }).click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="scan-result"]')?.getAttribute('data-outcome') === 'committed',
  );
  expect((await lastResult(page)).message).toContain(c.world.loc('SAFE'));
  expect(await item(money!)).toMatchObject({ state: 'stored', locationCode: c.world.loc('SAFE') });
  expect((await lastEvent(money!)).payload.witnessId).toBe(c.world.people.warehouse2.user.id);
  // The dialog closed, and the scanner types into the input again.
  await page.waitForFunction(() => document.activeElement?.id === 'scan-input');

  // An unknown label says so; switching to English changes the words.
  expect(await scan(page, 'NO-SUCH-PLACE')).toMatchObject({ outcome: 'refused', message: '没有库位 NO-SUCH-PLACE' });
  await page.getByText('English').click();
  expect((await lastResult(page)).message).toBe('There is no location NO-SUCH-PLACE');
  expect(await page.locator('h1').innerText()).toBe('Scan station');
  // The choice is the user's wherever they sign in next: back to Chinese for the tests after this one.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/me/language') && r.ok()),
    page.getByText('中文', { exact: true }).click(),
  ]);
});

test('an approved loan is checked out and returned with a different seal, and the mismatch is shown', async () => {
  const [code] = await stored(c.ctx, c.world, [phone]);
  const loan = await as(c.ctx, c.world.people.officer).post('/requests', {
    kind: 'loan',
    itemCodes: [code],
    reason: '送检提取数据',
    borrower: '市局鉴定中心 李工',
    purpose: 'lab',
    dueAt: new Date(Date.now() + 7 * 86400_000).toISOString(),
  });
  expect(loan.status).toBe(201);
  expect((await as(c.ctx, c.world.people.approver).post(`/requests/${loan.body.id}/approve`, {})).status).toBe(200);

  const page = await station();
  await chooseMode(page, /借出/);
  await accessible(page);
  await page.keyboard.type(code!, { delay: 4 });
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.getByText('市局鉴定中心 李工').waitFor();
  expect(await dialog.getByLabel('物品状况').inputValue()).toBe('完好');
  await accessible(page);
  await screenshot(page, 'scan-station-check-out');
  await dialog.getByLabel('物品状况').press('Enter');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="scan-result"]')?.getAttribute('data-outcome') === 'committed',
  );
  expect((await lastResult(page)).message).toBe('已借出给 市局鉴定中心 李工');
  expect(await item(code!)).toMatchObject({ state: 'on_loan' });
  expect((await lastEvent(code!)).requestId).toBe(loan.body.id);

  // A second stored item with no loan is refused at check-out.
  const [unlent] = await stored(c.ctx, c.world, [phone]);
  expect(await scan(page, unlent!)).toMatchObject({ outcome: 'refused', message: '此物品没有已批准的借用申请' });

  await chooseMode(page, /归还/);
  await page.waitForFunction(() => document.activeElement?.id === 'scan-input');
  await accessible(page);
  expect((await scan(page, c.world.loc('SHELF-2'))).outcome).toBe('info');
  await page.keyboard.type(code!, { delay: 4 });
  await page.keyboard.press('Enter');
  await dialog.getByLabel(/封条号/).waitFor();
  await dialog.getByLabel(/封条号/).fill('S-0999');
  await dialog.getByLabel(/数量/).fill('1');
  await dialog.getByLabel(/重量/).fill('180');
  await accessible(page);
  await screenshot(page, 'scan-station-return');
  await dialog.getByRole('button', { name: /确\s*认/ }).click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="scan-result"]')?.getAttribute('data-outcome') === 'warning',
  );
  expect((await lastResult(page)).message).toBe(`已归还到 ${c.world.loc('SHELF-2')} · Shelf 2，但与登记不符`);
  expect(await page.getByTestId('scan-mismatches').innerText()).toBe('封条 S-0999，登记为 S-0001');
  expect(await item(code!)).toMatchObject({ state: 'stored', locationCode: c.world.loc('SHELF-2') });
  expect((await lastEvent(code!)).payload.mismatches).toEqual(['seal S-0999 instead of S-0001']);
  await accessible(page);
  await screenshot(page, 'scan-station-mismatch');
});

test('an inventory is counted at the station and moved items follow, at a phone width too', async () => {
  const [seen, moved] = await stored(c.ctx, c.world, [phone, phone], 'SHELF-2');
  const page = await station(PHONE);
  await chooseMode(page, /移库/);
  expect((await scan(page, c.world.loc('SHELF-1'))).outcome).toBe('info');
  expect(await scan(page, moved!)).toMatchObject({ outcome: 'committed' });
  expect((await item(moved!)).locationCode).toBe(c.world.loc('SHELF-1'));
  await accessible(page);

  await chooseMode(page, /盘点/);
  expect(await scan(page, seen!)).toMatchObject({ outcome: 'refused', message: '请先扫描要盘点的库位标签' });
  expect((await scan(page, c.world.loc('SHELF-2'))).message).toMatch(/已开始盘点/);
  expect(await scan(page, seen!)).toEqual({ outcome: 'committed', message: '已盘点：在位' });
  expect(await scan(page, 'STRAY-TAG')).toMatchObject({ outcome: 'refused' });
  await accessible(page);
  await screenshot(page, 'scan-station-inventory');
  await page.getByRole('button', { name: '结束盘点' }).click();
  await page.getByTestId('audit-result').waitFor();
  expect(await page.getByTestId('audit-result').innerText()).toContain(grouped(seen!));
  expect((await lastEvent(seen!)).type).toBe('audited');
  await accessible(page);
  await screenshot(page, 'scan-station-inventory-result');
});

test('an inventory started from its page fills in as the station counts, then closes with its report', async () => {
  const [seen] = await stored(c.ctx, c.world, [phone], 'SHELF-2');
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.warehouse, '/inventories');
  await page.getByLabel('库位编码').fill(c.world.loc('SHELF-2'));
  await button(page, '开始盘点').click();
  await page.waitForURL(/\/inventories\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop()!;
  const count = async (name: string) =>
    Number(await page.getByTestId(`count-${name}`).locator('.ant-statistic-content-value').innerText());
  await page.getByTestId('count-found').waitFor();
  expect(await count('found')).toBe(0);
  const expected = await count('expected');
  expect(expected).toBeGreaterThanOrEqual(1);

  // The scan station or a fixed scanner counts; the page fills in without being reloaded.
  const warehouse = as(c.ctx, c.world.people.warehouse);
  const shelf = c.world.loc('SHELF-2');
  expect((await warehouse.post(`/audits/${id}/scans`, { code: seen, locationCode: shelf })).status).toBe(200);
  expect((await warehouse.post(`/audits/${id}/scans`, { code: 'STRAY-LABEL-9', locationCode: shelf })).status).toBe(
    200,
  );
  await page.waitForFunction(
    () => document.querySelector('[data-testid="count-found"] .ant-statistic-content-value')?.textContent === '1',
  );
  expect(await count('unknown')).toBe(1);
  expect(await count('notSeen')).toBe(expected - 1);
  await expectAccessible(page);
  await screenshot(page, 'inventory');

  await button(page, '结束盘点').click();
  await page
    .locator('.ant-popconfirm')
    .getByRole('button', { name: /结束盘点/ })
    .click();
  await page.getByText('已结束').waitFor();
  expect(await page.getByText('STRAY-LABEL-9').count()).toBe(1);
  const report = page.getByRole('link', { name: /盘点报告 PDF/ });
  const pdf = await page.request.get((await report.getAttribute('href'))!);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  await expectAccessible(page);
});

test('an alert is dealt with from its page, and what was done is kept with it', async () => {
  // A shelf of its own, so that the inventory expects exactly one item, and misses it.
  const shelf = c.world.loc('SHELF-9');
  const made = await as(c.ctx, c.world.people.admin).post('/locations', {
    code: shelf,
    name: 'Shelf 9',
    kind: 'shelf',
    parentCode: c.world.loc('ROOM-1'),
  });
  expect(made.status).toBe(201);
  const [lost] = await stored(c.ctx, c.world, [phone], 'SHELF-9');
  const warehouse = as(c.ctx, c.world.people.warehouse);
  const audit = await warehouse.post('/audits', { locationCode: shelf });
  expect((await warehouse.post(`/audits/${audit.body.id}/close`)).body.missing).toEqual([lost]);

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.warehouse, '/');
  await page.getByRole('menuitem', { name: /告警/ }).click();
  await page.waitForURL(/\/alerts$/);
  const row = page.locator('.ant-table-row', { hasText: grouped(lost!) });
  await row.waitFor();
  expect(await row.innerText()).toContain('盘点缺失');
  await expectAccessible(page);
  await screenshot(page, 'alerts');

  await button(row, '处理').click();
  const dialog = page.getByRole('dialog');
  await button(dialog, '处理').click();
  await dialog.getByText('请填写此项').waitFor();
  await dialog.getByLabel('处理情况（将随告警保存）').fill('已在 3 号架找到，重新入库');
  await button(dialog, '处理').click();
  await row.waitFor({ state: 'detached' });

  await page.getByText('已处理', { exact: true }).click();
  await page.waitForURL(/status=resolved/);
  const done = page.locator('.ant-table-row', { hasText: grouped(lost!) });
  await done.waitFor();
  expect(await done.innerText()).toContain('已在 3 号架找到，重新入库');
  expect(await done.innerText()).toContain(c.world.people.warehouse.user.displayName);
  await expectAccessible(page);
});
