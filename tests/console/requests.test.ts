import { as, phone, register, stored } from '../world';
import { PHONE, button, choose, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(120_000);

const officer = () => as(c.ctx, c.world.people.officer);
const approver = () => as(c.ctx, c.world.people.approver);

async function requestsNaming(code: string) {
  const res = await officer().get(`/requests?item=${code}`);
  expect(res.status).toBe(200);
  return res.body.items as { id: string; kind: string; status: string; [field: string]: unknown }[];
}

/** A day a month from now at 10:00, as the date picker takes it typed. */
function dueIn30Days(): string {
  const day = new Date(Date.now() + 30 * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())} 10:00`;
}

test('an officer files a loan for items chosen on the case page and a transfer from an item, and follows their states', async () => {
  const [first, second] = await stored(c.ctx, c.world, [phone, phone]);
  const [third] = await register(c.ctx, c.world);
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.officer, `/cases/${c.world.caseId}`);
  await page.getByTestId('case-item-row').nth(2).waitFor();
  const requestButton = page.getByRole('button', { name: /为所选财物提交申请/ });
  expect(await requestButton.isDisabled()).toBe(true);
  await page.getByRole('checkbox', { name: '选择第 1 号财物' }).check();
  await page.getByRole('checkbox', { name: '选择第 2 号财物' }).check();
  await page.getByRole('button', { name: /为所选财物提交申请（2）/ }).click();

  const dialog = page.getByRole('dialog');
  await dialog.getByText('为 2 件财物提交申请').waitFor();
  // Nothing filled in: the form names what is missing, and the server is not asked.
  await button(dialog, '提交').click();
  await dialog.getByText('请填写此项').first().waitFor();
  expect(await requestsNaming(first!)).toEqual([]);

  await dialog.getByLabel('借用人或单位').fill('市公安局物证鉴定所');
  await dialog.getByLabel('归还期限').click();
  await dialog.getByLabel('归还期限').fill(dueIn30Days());
  await dialog.getByLabel('归还期限').press('Enter');
  await dialog.getByLabel('事由').fill('指纹鉴定');
  await expectAccessible(page);
  await screenshot(page, 'request-loan');
  await button(dialog, '提交').click();
  await dialog.getByText('申请已提交，等待审批').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'request-filed');

  for (const code of [first!, second!]) {
    const [loan] = await requestsNaming(code);
    expect(loan).toMatchObject({
      kind: 'loan',
      status: 'requested',
      borrower: '市公安局物证鉴定所',
      purpose: 'lab',
      reason: '指纹鉴定',
    });
    expect([...(loan!.itemCodes as string[])].sort()).toEqual([first, second].sort());
    expect(new Date(loan!.dueAt as string).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  }
  const loanId = (await requestsNaming(first!))[0]!.id;

  // The requests page lists it, waiting; once the approver decides, it says so.
  await dialog.getByRole('link', { name: '查看我的申请' }).click();
  await page.waitForURL(/\/requests$/);
  const row = page.locator('.ant-table-row', { hasText: '市公安局物证鉴定所' });
  expect(await row.getByTestId('request-status').innerText()).toBe('待审批');
  expect(await row.innerText()).toContain('我提交的');
  expect((await approver().post(`/requests/${loanId}/approve`, { note: '同意送检' })).status).toBe(200);
  await page.reload();
  await row.getByText('已批准').waitFor();
  expect(await row.innerText()).toContain('同意送检');
  await expectAccessible(page);
  await screenshot(page, 'requests');

  // A transfer of legal custody, filed from the item's own page.
  await page.goto(`/items/${third}`);
  await button(page, '提交申请').click();
  await dialog.getByText('为 1 件财物提交申请').waitFor();
  await dialog.getByText('移送', { exact: true }).click();
  await choose(
    page,
    dialog.getByLabel('接收单位'),
    `${c.world.agencies.procuratorate.name}（${c.world.agencies.procuratorate.code}）`,
  );
  await dialog.getByLabel('事由').fill('案件移送审查起诉');
  await expectAccessible(page);
  await screenshot(page, 'request-transfer');
  await button(dialog, '提交').click();
  await dialog.getByText('申请已提交，等待审批').waitFor();
  await button(dialog, '完成').click();
  const transfer = page.getByTestId('item-request').filter({ hasText: '移送' });
  await transfer.getByText('待审批').waitFor();
  expect(await transfer.innerText()).toContain(c.world.agencies.procuratorate.name);
  const [filed] = await requestsNaming(third!);
  expect(filed).toMatchObject({ kind: 'transfer', toAgencyId: c.world.agencies.procuratorate.id, status: 'requested' });

  // Filtered by kind in the address; cancelled there with its reason, which the item's history keeps.
  await page.goto('/requests');
  await choose(page, page.getByLabel('按申请类型筛选'), '移送');
  await page.waitForURL(/kind=transfer/);
  await page.getByText('共 1 件').waitFor();
  await button(page.locator('.ant-table-row'), '撤销').click();
  await page.getByRole('dialog').getByLabel('撤销原因').fill('移送材料不全');
  await page.getByRole('dialog').getByRole('button', { name: '撤销申请' }).click();
  await page.locator('.ant-table-row').getByText('已撤销').waitFor();
  expect((await requestsNaming(third!))[0]!.status).toBe('cancelled');
  const events = await officer().get(`/items/${third}/events`);
  expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(
    expect.arrayContaining(['request_created', 'request_cancelled']),
  );
});

test('a refused request shows the server’s detail and files nothing; the warehouse is offered no request', async () => {
  const [code] = await stored(c.ctx, c.world);
  expect((await approver().post(`/items/${code}/hold`, { reason: '法院冻结令 12 号' })).status).toBe(200);
  const expected = await officer().post('/requests', {
    kind: 'disposal',
    itemCodes: [code],
    reason: 'x',
    method: 'destroyed',
    orderReference: 'y',
  });
  expect(expected.status).toBe(409);

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.officer, `/items/${code}`);
  await button(page, '提交申请').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('处置', { exact: true }).click();
  await choose(page, dialog.getByLabel('处置方式'), '销毁');
  await dialog.getByLabel('依据文书编号').fill('东法刑[2026]88号');
  await dialog.getByLabel('事由').fill('判决销毁');
  await button(dialog, '提交').click();
  const detail = dialog.getByTestId('problem-detail');
  await detail.waitFor();
  expect(await detail.innerText()).toBe(expected.body.detail);
  expect(await detail.innerText()).toMatch(/legal hold/);
  await expectAccessible(page);
  await screenshot(page, 'request-refused');
  expect(await requestsNaming(code!)).toEqual([]);

  const warehouse = await (await c.context()).newPage();
  await signIn(warehouse, c.world.people.warehouse, `/items/${code}`);
  await button(warehouse, '打印标签').waitFor();
  expect(await warehouse.getByRole('button', { name: /提交申请/ }).count()).toBe(0);
});

test('the requests page and the request dialog work at a phone width', async () => {
  const [code] = await register(c.ctx, c.world);
  const filed = await officer().post('/requests', {
    kind: 'transfer',
    itemCodes: [code],
    reason: '案件移送审判',
    toAgencyCode: c.world.agencies.court.code,
  });
  expect(filed.status).toBe(201);
  const page = await (await c.context(PHONE)).newPage();
  await signIn(page, c.world.people.officer, '/requests');
  // At a phone's width each request is a few lines, not a table row.
  await page.getByTestId('request-status').first().waitFor();
  expect(await page.locator('.ant-table').count()).toBe(0);
  expect(await page.getByText('事由: 案件移送审判', { exact: true }).count()).toBe(1);
  await expectAccessible(page);
  await screenshot(page, 'requests');
  // The header has no room for the menu's entries: a button opens them.
  await page.getByRole('button', { name: '导航' }).click();
  await page.getByRole('menuitem', { name: /案件/ }).click();
  await page.waitForURL(/\/cases$/);
  await page.goto(`/items/${code}`);
  await button(page, '提交申请').click();
  await page.getByRole('dialog').getByLabel('借用人或单位').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'request-loan');
});
