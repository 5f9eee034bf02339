import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { makePng } from '../attachment-fixtures';
import { decodePdf } from '../decode';
import { as, phone } from '../world';
import { PHONE, button, choose, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
// Chromium's fake camera (a generated picture) stands in for the computer's, allowed without asking.
setUpConsole((world) => (c = world), {
  chromiumArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
});
jest.setTimeout(120_000);

const officer = () => as(c.ctx, c.world.people.officer);

async function openCase(caseNumber: string, title: string, status: 'open' | 'closed' = 'open') {
  const res = await officer().post('/cases', { caseNumber, title, openedOn: '2026-11-20' });
  expect(res.status).toBe(201);
  if (status === 'closed') {
    await c.ctx.orm.em.fork().execute(`update cases set status = 'closed' where id = ?`, [res.body.id]);
  }
  return res.body.id as string;
}

const shownCaseNumbers = (page: Page) =>
  page.locator('.ant-table-tbody tr.ant-table-row td:first-child').allInnerTexts();

async function downloadPdf(page: Page): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /下载 PDF/ }).click(),
  ]);
  return fs.readFileSync((await download.path())!);
}

test('an officer registers three items (one cash) with photographs from a file and the camera, and prints their labels', async () => {
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.officer, `/cases/${c.world.caseId}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByText('此案件尚未登记财物').waitFor();
  await page.getByRole('link', { name: /登记财物/ }).click();
  await page.waitForURL(/\/register$/);
  await button(page, '再添加一件').click();
  await button(page, '再添加一件').click();
  const cards = page.getByTestId('register-item');
  expect(await cards.count()).toBe(3);

  const items = [
    { category: '电子设备', description: phone.description, quantity: '1', unit: '部', seal: 'S-0001' },
    { category: '现金', description: '人民币现金，百元券五十张', quantity: '50', unit: '张', seal: 'S-0002' },
    { category: '文件资料', description: '账本一本', quantity: '1', unit: '本', seal: 'S-0003' },
  ];
  for (const [i, item] of items.entries()) {
    const card = cards.nth(i);
    await choose(page, card.getByLabel('类别'), item.category);
    await card.getByLabel('名称及特征').fill(item.description);
    await card.getByLabel('数量', { exact: true }).fill(item.quantity);
    await card.getByLabel('单位', { exact: true }).fill(item.unit);
    await card.getByLabel('封条号').fill(item.seal);
    await card.getByLabel('被扣押人 / 持有人').fill('张某');
  }
  // Cash needs its amount and currency: the form says so beside the fields before the server is asked.
  await button(page, '登记 3 件财物').click();
  await cards.nth(1).getByText('请填写此项').first().waitFor();
  await cards.nth(1).getByLabel('金额').fill('5000');
  await cards.nth(1).getByLabel('币种').fill('cny');
  expect(await cards.nth(1).getByLabel('币种').inputValue()).toBe('CNY');

  // Photographs: two chosen as files, one taken with the camera.
  const png = makePng(64, 48);
  for (const i of [0, 1]) {
    await cards
      .nth(i)
      .getByLabel('选择照片文件')
      .setInputFiles({ name: `item-${i + 1}.png`, mimeType: 'image/png', buffer: png });
    await cards.nth(i).getByTestId('photo-preview').waitFor();
  }
  await cards
    .nth(2)
    .getByRole('button', { name: /用摄像头拍照/ })
    .click();
  const camera = page.getByRole('dialog');
  await camera.locator('video').waitFor();
  await page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
  await expectAccessible(page);
  await screenshot(page, 'register-camera');
  await button(camera, '拍下').click();
  await cards.nth(2).getByTestId('photo-preview').waitFor();
  await camera.waitFor({ state: 'hidden' });
  expect(await cards.nth(2).getByTestId('photo-preview').getAttribute('src')).toMatch(/^blob:/);
  await expectAccessible(page);
  await screenshot(page, 'register');

  await button(page, '登记 3 件财物').click();
  await page.getByRole('heading', { name: '已登记 3 件财物' }).waitFor();
  await page.getByText('照片 1 张已保存').nth(2).waitFor();
  await expectAccessible(page);
  await screenshot(page, 'registered');

  const listed = await officer().get(`/items?caseId=${c.world.caseId}&sort=itemNo&order=asc`);
  const codes = (listed.body.items as { code: string; category: string }[]).map((i) => i.code);
  expect(listed.body.items.map((i: { category: string }) => i.category)).toEqual(['electronics', 'cash', 'document']);
  const attachments = await c.ctx.orm.em.fork().execute<{ code: string; content_type: string; kind: string }[]>(
    `select i.code, a.content_type, a.kind from attachments a join items i on i.id = a.item_id
        where i.code = any (?::text[]) order by i.item_no`,
    [`{${codes.join(',')}}`],
  );
  expect(attachments).toEqual([
    { code: codes[0], content_type: 'image/png', kind: 'photo' },
    { code: codes[1], content_type: 'image/png', kind: 'photo' },
    { code: codes[2], content_type: 'image/jpeg', kind: 'photo' },
  ]);
  const cash = await c.ctx.orm.em
    .fork()
    .execute<{ amount: string; currency: string }[]>(`select amount, currency from items where code = ?`, [codes[1]]);
  expect(cash[0]).toMatchObject({ currency: 'CNY' });
  expect(Number(cash[0]!.amount)).toBe(5000);

  // The labels: every code on the downloaded PDF decodes back to a registered item's code.
  await page.getByRole('button', { name: /打印这些财物的标签/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('所选 3 件财物的标签').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'labels');
  await button(dialog, '生成标签').click();
  const pdf = await downloadPdf(page);
  const decoded = [...new Set((await decodePdf(pdf)).map((s) => s.data))].sort();
  expect(decoded).toEqual([...codes].sort());
  await button(dialog, '完成').click();

  // A reprint asks for its reason, which goes into each item's history.
  await page.getByRole('button', { name: /打印这些财物的标签/ }).click();
  await button(dialog, '生成标签').click();
  await dialog.getByTestId('problem-detail').waitFor();
  expect(await dialog.getByTestId('problem-detail').innerText()).toMatch(/reprint needs a reason/);
  expect(await dialog.getByLabel(/重印（/).isChecked()).toBe(true);
  await expectAccessible(page);
  await screenshot(page, 'labels-reprint');
  await dialog.getByLabel('重印原因').fill('标签破损');
  await button(dialog, '生成标签').click();
  expect((await downloadPdf(page)).subarray(0, 5).toString()).toBe('%PDF-');
  const events = await officer().get(`/items/${codes[0]}/events`);
  const prints = events.body.items.filter((e: { type: string }) => e.type === 'label_printed');
  expect(prints.map((e: { envelope: { payload: object } }) => e.envelope.payload)).toEqual([
    expect.objectContaining({ reprint: false }),
    expect.objectContaining({ reprint: true, reason: '标签破损' }),
  ]);

  // The case page lists them; a row opens the item's page.
  await button(dialog, '完成').click();
  await page.getByRole('button', { name: /返回案件/ }).click();
  await page.getByTestId('case-item-row').nth(2).waitFor();
  expect(await page.getByTestId('case-item-row').first().innerText()).toContain(
    `${codes[0]!.slice(0, 4)}-${codes[0]!.slice(4, 8)}`,
  );
  await page.getByRole('checkbox', { name: '选择第 2 号财物' }).check();
  await page.getByRole('button', { name: /打印所选标签（1）/ }).waitFor();
  await expectAccessible(page);
  await screenshot(page, 'case');
  await page.getByTestId('case-item-row').first().click();
  await page.waitForURL(new RegExp(`/items/${codes[0]}$`));
});

test('the case list searches and filters by state, both kept in the address, and a new case opens', async () => {
  const open = await openCase('东公刑[2026]901号', '王某诈骗案');
  await openCase('东公刑[2026]902号', '王某赌博案', 'closed');
  for (const size of [undefined, PHONE]) {
    const page = await (await c.context(size)).newPage();
    await signIn(page, c.world.people.officer, '/cases');
    await page.getByRole('searchbox', { name: '搜索案件' }).fill('王某');
    await page.getByRole('searchbox', { name: '搜索案件' }).press('Enter');
    await page.waitForURL(/q=%E7%8E%8B%E6%9F%90/);
    await page.getByText('共 2 件').waitFor();
    expect((await shownCaseNumbers(page)).sort()).toEqual(['东公刑[2026]901号', '东公刑[2026]902号']);
    await choose(page, page.getByLabel('案件状态'), '已结案');
    await page.waitForURL(/state=closed/);
    await page.getByText('共 1 件').waitFor();
    expect(await shownCaseNumbers(page)).toEqual(['东公刑[2026]902号']);
    await page.reload();
    await page.getByText('共 1 件').waitFor();
    expect(await shownCaseNumbers(page)).toEqual(['东公刑[2026]902号']);
    await expectAccessible(page);
    await screenshot(page, 'cases');
    await page.goto('/cases?q=901');
    await page.getByRole('link', { name: '东公刑[2026]901号' }).click();
    await page.waitForURL(`**/cases/${open}`);
    await page.getByRole('heading', { name: '东公刑[2026]901号' }).waitFor();
    await page.getByText('此案件尚未登记财物').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'case-empty');
  }

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.clerk, '/cases');
  await page.getByRole('button', { name: /新建案件/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('案件编号').fill('东公刑[2026]903号');
  await dialog.getByLabel('案件名称').fill('赵某抢劫案');
  await expectAccessible(page);
  await screenshot(page, 'case-new');
  await button(dialog, '创建').click();
  await page.getByRole('heading', { name: '东公刑[2026]903号' }).waitFor();
  expect(page.url()).toMatch(/\/cases\/[0-9a-f-]{36}$/);
});

test('the register form and the label dialog work at a phone width', async () => {
  const page = await (await c.context(PHONE)).newPage();
  await signIn(page, c.world.people.officer, `/cases/${c.world.caseId}/register`);
  await page.getByTestId('register-item').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'register');
  await page.goto(`/cases/${c.world.caseId}`);
  await page.getByTestId('case-item-row').first().waitFor();
  await expectAccessible(page);
  await screenshot(page, 'case');
  await page.getByRole('button', { name: /打印全案标签/ }).click();
  await page.getByRole('dialog').getByText('本案件全部财物的标签').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'labels');
});

test('a case of 10,000 items shows its first rows and scrolls to its last, with few rows in the page', async () => {
  const caseId = await openCase('东公刑[2026]910号', '特大走私案');
  const batch = Array.from({ length: 500 }, () => phone);
  for (let i = 0; i < 20; i++) {
    const res = await officer().post(`/cases/${caseId}/items`, { items: batch });
    expect(res.status).toBe(201);
  }
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.officer, '/cases?q=910');
  const link = page.getByRole('link', { name: '东公刑[2026]910号' });
  await link.waitFor();
  await link.click();
  await page.getByTestId('case-item-row').filter({ hasText: phone.description }).first().waitFor();
  await page.getByText('共 10000 件财物').waitFor();
  expect(await page.getByTestId('case-item-row').count()).toBeLessThan(60);
  await expectAccessible(page);
  await screenshot(page, 'case-10000');

  const table = page.getByTestId('case-items');
  await table.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const last = page.locator('[data-testid="case-item-row"][aria-rowindex="10001"]');
  await last.filter({ hasText: phone.description }).waitFor();
  expect(await last.innerText()).toContain('10000');
  expect(await page.getByTestId('case-item-row').count()).toBeLessThan(60);
  await table.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await page
    .locator('[data-testid="case-item-row"][aria-rowindex="5001"]')
    .filter({ hasText: phone.description })
    .waitFor();
});
