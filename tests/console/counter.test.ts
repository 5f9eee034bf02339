import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { checkCharacter } from '../../src/custody/items/item-code-rules';
import { TEST_PASSWORD } from '../factories';
import { pdfText } from '../decode';
import { as, register } from '../world';
import { PHONE, SCREENSHOTS, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(60_000);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A code with its last (check) character changed: a typo the check character catches. */
function mistyped(code: string): string {
  const body = code.slice(0, -1);
  const wrong = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.split('').find((ch) => ch !== checkCharacter(body))!;
  return body + wrong;
}

/** Types like a USB keyboard-wedge scanner: the code a few ms a key, then Enter, into whatever has focus. */
async function scan(page: Page, code: string) {
  await page.keyboard.type(code, { delay: 5 });
  await page.keyboard.press('Enter');
}

/** A signature drawn with the mouse across the pad: a few loops, pressed and released as a hand would. */
async function sign(page: Page, name: string | RegExp, loops: number) {
  const box = (await page.getByRole('img', { name }).boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + 20, y);
  await page.mouse.down();
  for (let step = 0; step <= 40; step++) {
    const t = step / 40;
    await page.mouse.move(box.x + 20 + t * (box.width - 40), y + Math.sin(t * loops * 2 * Math.PI) * box.height * 0.3);
  }
  await page.mouse.up();
}

const items = [
  {
    category: 'electronics',
    description: '黑色苹果手机',
    quantity: 1,
    unit: '部',
    seizedAt: '2026-11-02T10:00:00+08:00',
  },
  { category: 'document', description: '手写账本', quantity: 2, unit: '册', seizedAt: '2026-11-02T10:00:00+08:00' },
];

test('a warehouse user takes a hand-over at the counter with the officer’s password and both signatures', async () => {
  const { world } = c;
  const [phoneCode, ledgerCode] = await register(c.ctx, world, items);
  const context = await c.context();
  const page = await context.newPage();
  await signIn(page, world.people.warehouse, '/counter');
  await page.getByRole('heading', { level: 1, name: '柜台交接' }).waitFor();

  // The scan input has focus from the start: the scanner types into it.
  await scan(page, phoneCode!);
  const rows = page.locator('.ant-table-tbody tr.ant-table-row');
  await rows.filter({ hasText: '黑色苹果手机' }).waitFor();
  expect(await rows.first().innerText()).toContain('电子设备');

  // A typo'd code is refused with the reason, never matched to another item.
  await scan(page, mistyped(ledgerCode!));
  const feedback = page.getByTestId('scan-feedback');
  await feedback.getByText(/校验位不符/).waitFor();
  expect(await rows.count()).toBe(1);

  // The same code again is refused as a duplicate.
  await scan(page, phoneCode!);
  await feedback.getByText(/已在清单中/).waitFor();

  // The second item is picked from the items awaiting hand-over.
  await page.getByLabel('从待移交物品中选择').fill('账本');
  await page.getByRole('button', { name: '加入 手写账本' }).click();
  await rows.filter({ hasText: '手写账本' }).waitFor();
  expect(await rows.count()).toBe(2);
  expect(await page.locator('#counter-scan').evaluate((el) => el === document.activeElement)).toBe(true);

  await expectAccessible(page);
  await screenshot(page, 'counter');

  // A wrong password: the server's detail in place, the field emptied, nothing changed.
  const username = page.getByLabel('移交人用户名');
  const password = page.getByLabel('移交人密码');
  await username.fill(world.people.officer.user.username);
  await password.fill('not the password');
  await page.getByRole('button', { name: '确认交接' }).click();
  await page
    .getByTestId('problem-detail')
    .getByText(/handing officer's username or password is wrong/)
    .waitFor();
  expect(await password.inputValue()).toBe('');
  const officer = as(c.ctx, world.people.officer);
  for (const code of [phoneCode, ledgerCode])
    expect((await officer.get(`/items/${code}`)).body.state).toBe('registered');
  expect(await rows.count()).toBe(2);
  await screenshot(page, 'counter-refused');

  // The officer types their password, both sign, and the receipt opens.
  await password.fill(TEST_PASSWORD);
  expect(await password.getAttribute('autocomplete')).toBe('new-password');
  await sign(page, '移交人签名', 2);
  await sign(page, /^接收人签名/, 3);
  await page.getByText('已签名').nth(1).waitFor();
  expect(await page.getByText('已签名').count()).toBe(2);
  const popup = context.waitForEvent('page');
  await page.getByRole('button', { name: '确认交接' }).click();
  const receiptTab = await popup;
  await page.getByText('交接完成').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'counter-done');
  await receiptTab.close().catch(() => undefined);

  const href = (await page.getByTestId('receipt-link').getAttribute('href'))!;
  const receipt = await page.request.get(href);
  expect(receipt.status()).toBe(200);
  const pdf = await receipt.body();
  fs.writeFileSync(path.join(SCREENSHOTS, 'counter-receipt.pdf'), pdf);
  const text = await pdfText(pdf);
  expect(text).toContain(`移交人: ${world.people.officer.user.displayName} (${world.agencies.police.code})`);
  expect(text).toContain(`接收人: ${world.people.warehouse.user.displayName} (${world.agencies.centre.code})`);
  expect(text).toContain('黑色苹果手机');
  expect(text).toContain('手写账本');

  // Each item's hand-over event carries both signatures' SHA-256, equal to the stored attachments'.
  const warehouse = as(c.ctx, world.people.warehouse);
  const hashes = new Set<string>();
  for (const code of [phoneCode, ledgerCode]) {
    expect((await warehouse.get(`/items/${code}`)).body.state).toBe('received');
    const events = await warehouse.get(`/items/${code}/events`);
    const handover = events.body.items.find((e: { type: string }) => e.type === 'handover');
    for (const signer of ['handedOverBy', 'receivedBy']) {
      const given = handover.envelope.payload.signatures[signer];
      // Through the server process (its files are in its own data folder), with the warehouse user's session.
      const file = await page.request.get(`/api/v1/items/${code}/attachments/${given.attachmentId}`);
      expect(file.status()).toBe(200);
      const png = await file.body();
      expect(sha256(png)).toBe(given.sha256);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(text).toContain(`SHA-256 ${given.sha256}`);
      hashes.add(`${signer}:${given.sha256}`);
    }
  }
  // The same two signatures on both items, and they differ from each other.
  expect(hashes.size).toBe(2);
});

test('the counter at a phone’s width', async () => {
  const page = await (await c.context(PHONE)).newPage();
  await signIn(page, c.world.people.warehouse, '/counter');
  await page.getByRole('heading', { level: 1, name: '柜台交接' }).waitFor();
  await scan(page, 'K3M9QX2PA');
  await page.getByTestId('scan-feedback').getByText(/10 位/).waitFor();
  await expectAccessible(page);
  await screenshot(page, 'counter');
});
