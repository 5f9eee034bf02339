import type { Page } from 'playwright-core';
import { as, phone, stored } from '../world';
import { PHONE, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(120_000);

// A 1×1 PNG: the item's photograph.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const CASE_TITLE = '张某盗窃案';
const HAN = /\p{Script=Han}/u;
const EVENT = '[data-testid="history-event"]';

async function storedItem(): Promise<string> {
  const [code] = await stored(c.ctx, c.world);
  // Through the server process, which keeps the file in its own data folder.
  const res = await fetch(`${c.baseURL}/api/v1/items/${code}/attachments?filename=front.png`, {
    method: 'POST',
    headers: { authorization: c.world.people.officer.auth, 'content-type': 'image/png' },
    body: PNG,
  });
  expect(res.status).toBe(201);
  return code!;
}

async function openItem(page: Page, code: string, actor = c.world.people.approver) {
  await signIn(page, actor, `/items/${code}`);
  await page.locator(EVENT).first().waitFor();
}

const eventCount = (page: Page, n: number) =>
  page.waitForFunction(([sel, count]) => document.querySelectorAll(sel).length === count, [EVENT, n] as const);

test('the item page shows its particulars, its photograph and one timeline entry per event, accessibly', async () => {
  const code = await storedItem();
  const api = await as(c.ctx, c.world.people.approver).get(`/items/${code}/events?limit=1000`);
  expect(api.status).toBe(200);
  const events = api.body.items as { type: string; leafHash: string }[];
  expect(events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['registered', 'handover', 'check_in', 'attachment_added']),
  );
  for (const size of [undefined, PHONE]) {
    const page = await (await c.context(size)).newPage();
    await openItem(page, code);
    await eventCount(page, events.length);
    expect(await page.locator(EVENT).count()).toBe(events.length);
    const entries = await page.locator(EVENT).allInnerTexts();
    expect(entries[0]).toContain('登记');
    expect(entries.some((text) => text.includes('入库'))).toBe(true);
    expect(await page.getByText(phone.description).count()).toBeGreaterThan(0);
    expect(await page.getByTestId('item-state').innerText()).toBe('在库');
    await page.waitForFunction(() =>
      [...document.images].some((img) => img.alt.startsWith('财物照片 1') && img.complete && img.naturalWidth > 0),
    );
    await page.getByRole('button', { name: '显示完整哈希' }).first().click();
    expect(await page.getByText(events[0]!.leafHash).count()).toBe(1);
    const pdf = page.getByRole('link', { name: /流转记录 PDF/ });
    expect(await pdf.getAttribute('href')).toBe(`/api/v1/items/${code}/history.pdf?lang=zh`);
    expect(await pdf.getAttribute('target')).toBe('_blank');
    await expectAccessible(page);
    await screenshot(page, 'item');
  }
});

test('in English no Chinese is left but the item’s own data, and the choice survives a reload', async () => {
  const code = await storedItem();
  const page = await (await c.context()).newPage();
  // The clerk: a language chosen is the user's everywhere, and the other tests read the approver's in Chinese.
  await openItem(page, code, c.world.people.clerk);
  await page.getByText(CASE_TITLE).first().waitFor();
  await page.getByText('English', { exact: true }).click();
  await page.getByRole('heading', { level: 1, name: /^Item/ }).waitFor();
  const caseNumber = (await as(c.ctx, c.world.people.approver).get(`/items/${code}`)).body.caseNumber as string;
  const people = Object.values(c.world.people).map((person) => person.user.displayName);
  const ownData = [
    phone.description,
    phone.seizedFrom,
    phone.seizedPlace,
    phone.unit,
    CASE_TITLE,
    caseNumber,
    ...people,
  ];
  const leftover = async () => {
    let text = await page.locator('body').innerText();
    // The item's own data, as the officer typed it, people's names, and the language switch's own name for Chinese.
    for (const data of [...ownData, '中文'].sort((a, b) => b.length - a.length)) text = text.split(data).join('');
    return text.split('\n').filter((line) => HAN.test(line));
  };
  expect(await leftover()).toEqual([]);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: /^Item/ }).waitFor();
  await page.locator(EVENT).first().waitFor();
  await page.getByText(CASE_TITLE).first().waitFor();
  expect(await leftover()).toEqual([]);
  expect(await page.locator(EVENT).first().innerText()).toContain('Registered');
});

test('a refused hold shows the server’s detail in place; a hold placed and released from the page', async () => {
  const code = await storedItem();
  const approver = as(c.ctx, c.world.people.approver);
  const page = await (await c.context()).newPage();
  await openItem(page, code);
  const detail = page.getByTestId('problem-detail');

  // Too long a reason: the server's own words for it.
  const tooLong = 'x'.repeat(1001);
  const refused = await approver.post(`/items/${code}/hold`, { reason: tooLong });
  expect(refused.status).toBe(400);
  await page.getByRole('button', { name: '设置法律冻结' }).click();
  await page.getByLabel('理由').fill(tooLong);
  await page.getByRole('button', { name: /^提\s*交$/ }).click();
  await detail.waitFor();
  expect(await detail.innerText()).toBe(refused.body.detail);

  // Placed behind the page's back: the page's hold is refused as a conflict, and says so.
  expect((await approver.post(`/items/${code}/hold`, { reason: 'held elsewhere' })).status).toBe(200);
  await page.getByLabel('理由').fill('court order 12');
  await page.getByRole('button', { name: /^提\s*交$/ }).click();
  await page.getByText(/already under a legal hold/).waitFor();
  expect(await detail.innerText()).toMatch(/already under a legal hold/);

  // Released behind its back after the page learnt of the hold: releasing one that is not there is refused.
  await page.reload();
  await page.getByRole('button', { name: '解除法律冻结' }).click();
  expect((await approver.delete(`/items/${code}/hold`, { reason: 'lifted elsewhere' })).status).toBe(200);
  await page.getByLabel('理由').fill('no longer needed');
  await page.getByRole('button', { name: /^提\s*交$/ }).click();
  await page.getByText(/not under a legal hold/).waitFor();

  // A hold the page places itself: the state and the timeline show it.
  const before = (await approver.get(`/items/${code}/events?limit=1000`)).body.items.length as number;
  await page.reload();
  await eventCount(page, before);
  await page.getByRole('button', { name: '设置法律冻结' }).click();
  await page.getByLabel('理由').fill('court order 13');
  await page.getByRole('button', { name: /^提\s*交$/ }).click();
  await page.getByTestId('item-hold').waitFor();
  await eventCount(page, before + 1);
  expect(await page.locator(EVENT).last().innerText()).toContain('court order 13');
  expect((await approver.get(`/items/${code}`)).body.legalHold).toBe(true);
});
