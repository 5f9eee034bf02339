import type { Page } from 'playwright-core';
import { as, phone, stored } from '../world';
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

async function openItem(page: Page, code: string) {
  await signIn(page, c.world.people.approver, `/items/${code}`);
  await page.locator(EVENT).first().waitFor();
}

test('in English no Chinese is left but the item’s own data, and the choice survives a reload', async () => {
  const code = await storedItem();
  const page = await (await c.context()).newPage();
  await openItem(page, code);
  await page.getByText(CASE_TITLE).first().waitFor();
  await page.getByText('English', { exact: true }).click();
  await page.getByRole('heading', { level: 1, name: /^Item/ }).waitFor();
  const caseNumber = (await as(c.ctx, c.world.people.approver).get(`/items/${code}`)).body.caseNumber as string;
  const ownData = [phone.description, phone.seizedFrom, phone.seizedPlace, phone.unit, CASE_TITLE, caseNumber];
  const leftover = async () => {
    let text = await page.locator('body').innerText();
    // The item's own data, as the officer typed it, and the language switch's own name for Chinese.
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
