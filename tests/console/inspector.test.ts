import { as, phone, stored } from '../world';
import { button, choose, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(120_000);

test('the verification streams its progress, then its result; only inspectors and administrators may run it', async () => {
  await stored(c.ctx, c.world);
  const stream = (who: typeof c.world.people.inspector) =>
    fetch(`${c.baseURL}/api/v1/ledger/verify/stream`, { headers: { authorization: who.auth } });
  const answer = await stream(c.world.people.inspector);
  expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await answer.text();
  const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map(([, name, data]) => ({
    name,
    data: JSON.parse(data!),
  }));
  expect(events.at(0)).toMatchObject({
    name: 'progress',
    data: { checked: expect.any(Number), total: expect.any(Number) },
  });
  expect(events.at(-1)).toMatchObject({ name: 'result', data: { ok: true, failure: null } });
  expect((await stream(c.world.people.officer)).status).toBe(403);
});

test('an inspector verifies the whole ledger from the page, and is told which row was changed behind its back', async () => {
  const [code] = await stored(c.ctx, c.world);
  expect((await as(c.ctx, c.world.people.inspector).post('/ledger/checkpoint')).status).toBeLessThan(300);
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.inspector, '/');
  await page.getByRole('menuitem', { name: /账本核查/ }).click();
  await page.waitForURL(/\/ledger$/);
  const verification = page.getByTestId('ledger-verification');
  await button(verification, '开始验证').click();
  await verification.getByText('账本完整，未发现任何不一致').waitFor();
  // The checkpoints, newest first.
  await page.locator('.ant-table-row').first().waitFor();
  await expectAccessible(page);
  await screenshot(page, 'ledger');

  // What was appended since: only that is read, from the checkpoint the check above ended at.
  await stored(c.ctx, c.world);
  await button(verification, '只验证新增部分').click();
  await verification.getByText(/号检查点之后的 3 条记录、1 件财物/).waitFor();
  expect(await verification.innerText()).toContain('由全账本验证检查');
  await screenshot(page, 'ledger-since');

  // A row changed in SQL, without an event: the replay no longer gives it.
  await c.ctx.orm.em.fork().execute(`update items set description = description || '（改）' where code = ?`, [code]);
  try {
    await button(verification, '开始验证').click();
    const failure = verification.getByTestId('ledger-failure');
    await failure.waitFor();
    expect(await failure.innerText()).toMatch(/differs from the ledger’s replay in description/);
    await failure.getByRole('link').click();
    await page.waitForURL(new RegExp(`/items/${code}$`));
    await expectAccessible(page);
  } finally {
    // The other tests of this world read a whole ledger.
    await c.ctx.orm.em
      .fork()
      .execute(`update items set description = replace(description, '（改）', '') where code = ?`, [code]);
  }
});

test('an inspector sees each event of an item verified in the browser, its JSON on demand, and who read what', async () => {
  const [code] = await stored(c.ctx, c.world);
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.inspector, `/items/${code}`);
  const inspection = page.getByTestId('inspection');
  await inspection.getByText('核验通过：3 条记录均与签名账本一致').waitFor();
  expect(await inspection.innerText()).toMatch(/覆盖检查点：\d+ 条记录/);
  const marks = page.getByTestId('event-verified');
  await expect(marks.allInnerTexts()).resolves.toEqual(['已核验', '已核验', '已核验']);

  await page.getByRole('button', { name: '规范 JSON' }).first().click();
  const canonical = page.locator('pre').first();
  expect(JSON.parse(await canonical.innerText())).toMatchObject({ itemSeq: '1', type: 'registered' });

  // Reading the proof bundle was recorded, with who read it.
  const log = page.getByTestId('access-log');
  await log.getByText('证明包 · JSON').first().waitFor();
  expect(await log.innerText()).toContain(c.world.people.inspector.user.displayName);
  await expectAccessible(page);
  await screenshot(page, 'item-inspected');
});

test('an inspector searches every agency’s items by case number, text and state, kept in the address', async () => {
  const [ours] = await stored(c.ctx, c.world);
  const stranger = as(c.ctx, c.world.people.strangerOfficer);
  const opened = await stranger.post('/cases', {
    caseNumber: `西公刑[2026]${c.world.loc('31')}号`,
    title: '李某诈骗案',
    openedOn: '2026-11-05',
  });
  const theirs = (
    await stranger.post(`/cases/${opened.body.id}/items`, { items: [{ ...phone, description: '白色苹果手机一部' }] })
  ).body.items[0].code as string;

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.inspector, '/');
  await page.waitForURL(/\/search$/);
  await page.getByLabel('案件编号').fill('西公刑');
  await button(page, '查询').click();
  await page.waitForURL(/caseNumber=/);
  const rows = page.locator('.ant-table-row');
  await page.getByText('共 1 件').waitFor();
  const codes = () => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-row-key')));
  await expect(codes()).resolves.toEqual([theirs]);
  await expectAccessible(page);
  await screenshot(page, 'search');

  await button(page, '清空条件').click();
  await page.waitForURL(/\/search$/);
  await page.waitForFunction(() => (document.getElementById('caseNumber') as HTMLInputElement).value === '');
  await page.getByLabel('编号或描述').fill('手机');
  await choose(page, page.getByLabel('状态'), '在库');
  await button(page, '查询').click();
  await page.waitForURL(/state=stored/);
  // The stranger's item is only registered: it leaves the list.
  await page.locator(`[data-row-key="${theirs}"]`).waitFor({ state: 'detached' });
  await page.locator(`[data-row-key="${ours}"]`).waitFor();
  // A reload, or the address sent to a colleague, shows the same search.
  await page.reload();
  await page.locator(`[data-row-key="${ours}"]`).waitFor();
  expect(await page.getByLabel('编号或描述').inputValue()).toBe('手机');
});
