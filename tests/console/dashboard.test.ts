import type { Page } from 'playwright-core';
import { as, credentialsOf, phone, register, stored, type Actor } from '../world';
import { expectAccessible, PHONE, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(120_000);

const DAY = 86_400_000;

// The police: three items in store and one still with its officer, all seized this week, and one seized over
// a year ago (so due for review). The other police: one item in their zone. Nothing else is in this database.
beforeAll(async () => {
  const justNow = { ...phone, seizedAt: new Date(Date.now() - 60_000).toISOString() };
  await stored(c.ctx, c.world, [justNow, justNow, justNow]);
  await register(c.ctx, c.world, [justNow, { ...phone, seizedAt: new Date(Date.now() - 400 * DAY).toISOString() }]);
  const stranger = as(c.ctx, c.world.people.strangerOfficer);
  const opened = await stranger.post('/cases', {
    caseNumber: `西公刑[2026]${c.world.loc('5')}号`,
    title: '李某诈骗案',
    openedOn: '2026-11-05',
  });
  expect(opened.status).toBe(201);
  const theirs = await stranger.post(`/cases/${opened.body.id}/items`, { items: [phone] });
  expect(theirs.status).toBe(201);
  const warehouse = as(c.ctx, c.world.people.warehouse);
  const code: string = theirs.body.items[0].code;
  const handedOver = await warehouse.post('/handovers', {
    itemCodes: [code],
    handedOverBy: credentialsOf(c.world.people.strangerOfficer),
  });
  expect(handedOver.status).toBe(201);
  expect((await warehouse.post(`/items/${code}/check-in`, { locationCode: c.world.loc('ROOM-X') })).status).toBe(200);
});

/** What the world holds, counted in SQL behind the server's back: every item, or those an agency has held. */
async function held(agencyId?: string): Promise<{ total: number; byState: Record<string, number> }> {
  const rows = await c.ctx.orm.em
    .fork()
    .execute<{ state: string; n: number }[]>(
      `select state, count(*)::int as n from items where ?::uuid is null or ?::uuid = any (held_by_agency_ids) group by state`,
      [agencyId ?? null, agencyId ?? null],
    );
  return {
    total: rows.reduce((sum, r) => sum + r.n, 0),
    byState: Object.fromEntries(rows.map((r) => [r.state, r.n])),
  };
}

async function openDashboard(who: Actor): Promise<Page> {
  const page = await (await c.context()).newPage();
  await signIn(page, who, '/');
  await page.getByRole('menuitem', { name: '总览' }).click();
  await page.waitForURL(/\/dashboard$/);
  await drawn(page);
  return page;
}

const drawn = (page: Page) => page.locator('[data-testid="dashboard-charts"][data-drawn="true"]').waitFor();
const stat = async (page: Page, id: string) =>
  Number((await page.getByTestId(id).locator('.ant-statistic-content').innerText()).replace(/\D/g, ''));
const region = (page: Page, name: string) => page.getByRole('region', { name });

/** Clicks the `index`th of `count` category bands of a column chart, as a mouse would, low in the band. */
async function clickBand(page: Page, testId: string, index: number, count: number) {
  // As COLUMN_GRID in web/src/features/dashboard/charts.ts places the plot.
  const [left, right, bottom] = [64, 16, 32];
  const box = (await page.getByTestId(testId).boundingBox())!;
  const band = (box.width - left - right) / count;
  await page.mouse.click(box.x + left + band * (index + 0.5), box.y + box.height - bottom - 4);
}

test('an inspector sees the whole centre, and a bar opens the list behind it', async () => {
  const page = await openDashboard(c.world.people.inspector);
  const world = await held();
  expect(await stat(page, 'stat-total')).toBe(world.total);
  expect(await stat(page, 'stat-reviews')).toBe(1);
  expect(await stat(page, 'stat-overdue')).toBe(0);
  expect(await stat(page, 'stat-alerts')).toBe(0);
  // Each chart's numbers, as its table reads them to a screen reader.
  const states = region(page, '按状态');
  expect(await states.getByRole('row', { name: /在库/ }).innerText()).toContain(`${world.byState.stored} 件`);
  expect(await states.getByRole('row', { name: /已登记/ }).innerText()).toContain(`${world.byState.registered} 件`);
  const zones = region(page, '库区占用');
  expect(await zones.getByRole('row', { name: /Police zone/ }).innerText()).toContain('3 件（未设容量）');
  expect(await zones.getByRole('row', { name: /Other agency zone/ }).innerText()).toContain('1 件');
  const agencies = region(page, '按所属机构');
  expect(await agencies.getByRole('row', { name: /东城公安分局/ }).innerText()).toContain('5 件');
  expect(await agencies.getByRole('row', { name: /西城公安分局/ }).innerText()).toContain('1 件');
  await expectAccessible(page);
  await screenshot(page, 'dashboard-centre');

  // A click on the "in store" column (the fourth of six states).
  await clickBand(page, 'chart-state', 3, 6);
  await page.waitForURL(/\/search\?state=stored$/);
  await page.getByText(`共 ${world.byState.stored} 件`).waitFor();

  // A zone's link in its chart's table, reached with the keyboard: the table shows while it has the focus.
  await page.goBack();
  await drawn(page);
  const zoneLink = region(page, '库区占用').getByRole('link', { name: /Police zone/ });
  await zoneLink.focus();
  expect(await zoneLink.isVisible()).toBe(true);
  await zoneLink.press('Enter');
  await page.waitForURL(new RegExp(`/search\\?location=${c.world.loc('ZONE-P')}$`));
  await page.getByText('共 3 件').waitFor();

  // In English, the same numbers in other words.
  await page.goBack();
  await drawn(page);
  await page.getByText('English').click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await drawn(page);
  expect(
    await region(page, 'By state')
      .getByRole('row', { name: /Stored/ })
      .innerText(),
  ).toContain(`${world.byState.stored} items`);
  await expectAccessible(page);
  await screenshot(page, 'dashboard-centre-en');
  await page.getByText('中文').click();
});

test('an officer sees what their agency has held, and the numbers open their lists', async () => {
  const page = await openDashboard(c.world.people.officer);
  const ours = await held(c.world.agencies.police.id);
  expect(await stat(page, 'stat-total')).toBe(ours.total);
  expect(ours.total).toBe(5);
  expect(await page.getByTestId('stat-alerts').count()).toBe(0);
  expect(await region(page, '库区占用').count()).toBe(0);
  const agencies = region(page, '按所属机构');
  expect(await agencies.getByRole('row').count()).toBe(2); // the header and the police
  await expectAccessible(page);
  await screenshot(page, 'dashboard-officer');

  // The week's seizures open the search for that week's days.
  const weekly = region(page, '每周登记、入库与处置');
  const thisWeek = weekly.getByRole('row').last();
  const seized = thisWeek.getByRole('link').first();
  expect(await seized.innerText()).toBe('4');
  await seized.focus();
  await seized.press('Enter');
  await page.waitForURL(/\/search\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  await page.getByText('共 4 件').waitFor();

  await page.goBack();
  await drawn(page);
  await page.getByTestId('stat-reviews').click();
  await page.waitForURL(/\/reviews$/);
  await page.getByTestId('review-case').first().waitFor();
  expect(await page.getByTestId('review-case').count()).toBe(1);
  await page.goBack();
  await drawn(page);
  await page.getByTestId('stat-total').click();
  await page.waitForURL(/\/search$/);
  await page.getByText(`共 ${ours.total} 件`).waitFor();

  // On a phone, the charts one under another.
  const small = await (await c.context(PHONE)).newPage();
  await signIn(small, c.world.people.officer, '/dashboard');
  await drawn(small);
  await expectAccessible(small);
  await screenshot(small, 'dashboard-officer');
});
