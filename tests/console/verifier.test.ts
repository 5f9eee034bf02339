import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  ED25519,
  formatVerifierKey,
  generateSignerKey,
  parseNote,
  parseSignerKey,
  signNote,
} from '../../src/custody/ledger/note';
import { formatItemCode } from '../../src/custody/items/item-code-rules';
import type { ProofBundle } from '../../src/verifier/verify-bundle';
import { stored } from '../world';
import { expectAccessible, screenshot } from './browser';
import { setUpConsole, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(120_000);

/** From the server process, as a court would receive them: the report, the bundle, the log's key. */
async function fromServer(pathname: string): Promise<Buffer> {
  const res = await fetch(`${c.baseURL}/api/v1${pathname}`, {
    headers: { authorization: c.world.people.inspector.auth },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

let code: string;
let pdf: Buffer;
let bundle: ProofBundle;
let logKey: string;
beforeAll(async () => {
  [code] = (await stored(c.ctx, c.world)) as [string];
  pdf = await fromServer(`/items/${code}/history.pdf`);
  bundle = JSON.parse((await fromServer(`/items/${code}/proof`)).toString()) as ProofBundle;
  logKey = JSON.parse((await fromServer('/ledger/key')).toString()).verifierKey as string;
});

const json = (value: unknown) => ({
  name: 'bundle.json',
  mimeType: 'application/json',
  buffer: Buffer.from(JSON.stringify(value)),
});

/** Chooses the file, sets the key, presses the button; the verdict's text and whether it passed. */
async function verify(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, key = logKey) {
  await page.locator('#verifier-file').setInputFiles(file);
  await page.locator('#verifier-key').fill(key);
  await page.getByRole('button', { name: /^(开始验证|Verify)$/ }).click();
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor();
  return { ok: (await verdict.getAttribute('data-ok')) === 'true', text: await verdict.innerText() };
}

test('a genuine history report verifies in the browser, step by step, with the key the console offers', async () => {
  const page = await (await c.context()).newPage();
  await page.goto('/verify');
  await page.getByRole('heading', { name: '保管链离线验证' }).waitFor();
  // The console offers its log's key to start with.
  await page.waitForFunction(() => (document.querySelector('#verifier-key') as HTMLTextAreaElement).value !== '');
  expect(await page.locator('#verifier-key').inputValue()).toBe(logKey);
  const result = await verify(page, { name: 'history.pdf', mimeType: 'application/pdf', buffer: pdf });
  expect(result.ok).toBe(true);
  expect(result.text).toContain(`验证通过：财物 ${formatItemCode(code)}，共 ${bundle.events.length} 条记录`);
  expect(result.text).toMatch(/✓ 记录与链接[\s\S]*✓ 检查点签名[\s\S]*✓ 包含证明/);
  await expectAccessible(page);
  await screenshot(page, 'verifier');
});

test('a changed byte, a dropped event, a forged checkpoint and another log’s key each fail, saying why', async () => {
  const page = await (await c.context()).newPage();
  await page.goto('/verify');
  await page.getByRole('heading', { name: '保管链离线验证' }).waitFor();

  const changed = structuredClone(bundle);
  changed.events[0]!.canonical = changed.events[0]!.canonical.replace(
    /"(\d{4})-/,
    (_, y: string) => `"${Number(y) + 1}-`,
  );
  expect(changed.events[0]!.canonical).not.toBe(bundle.events[0]!.canonical);
  const byte = await verify(page, json(changed));
  expect(byte.ok).toBe(false);
  expect(byte.text).toMatch(/does not chain to the event before it|inclusion proof does not lead/);

  const dropped = { ...bundle, events: bundle.events.filter((_, i) => i !== 1) };
  expect((await verify(page, json(dropped))).text).toMatch(/itemSeq 3 where 2 was expected/);

  const forger = parseSignerKey(generateSignerKey(parseNote(bundle.checkpoint).text.split('\n')[0]!, ED25519));
  const forged = { ...bundle, checkpoint: signNote(parseNote(bundle.checkpoint).text, forger) };
  const forgery = await verify(page, json(forged));
  expect(forgery.ok).toBe(false);
  expect(forgery.text).toMatch(/carries no signature by/);

  const otherLog = await verify(page, json(bundle), formatVerifierKey(forger));
  expect(otherLog.ok).toBe(false);
  expect(otherLog.text).toMatch(/carries no signature by|does not verify/);

  // And a file that is no report at all.
  const junk = await verify(page, {
    name: 'x.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.7 nothing'),
  });
  expect(junk).toMatchObject({ ok: false, text: '此 PDF 中没有证明包附件' });
});

test('the downloaded verifier works opened from disk with the network off', async () => {
  const page = await (await c.context()).newPage();
  await page.goto('/verify');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /下载离线验证器/ }).click(),
  ]);
  // Served as a file to keep, never as a page of the console, whose policy forbids its inline script.
  const served = await fetch(`${c.baseURL}/verifier.html`);
  expect(served.headers.get('content-disposition')).toBe('attachment; filename="custody-verifier.html"');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-verifier-'));
  const file = path.join(dir, 'custody-verifier.html');
  await download.saveAs(file);

  const offline = await c.browser.newContext({ offline: true, locale: 'en-GB' });
  try {
    const requests: string[] = [];
    offline.on('request', (request) => requests.push(request.url()));
    const disk = await offline.newPage();
    await disk.goto(`file://${file}`);
    await disk.getByRole('heading', { name: 'Offline custody verification' }).waitFor();
    const genuine = await verify(disk, { name: 'history.pdf', mimeType: 'application/pdf', buffer: pdf });
    expect(genuine).toMatchObject({ ok: true });
    expect(genuine.text).toContain(`Verified: item ${formatItemCode(code)}`);
    const dropped = await verify(disk, json({ ...bundle, events: bundle.events.slice(1) }));
    expect(dropped.ok).toBe(false);
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
  } finally {
    await offline.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
