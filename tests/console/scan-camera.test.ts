import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDebianTools } from '../debian-tools';
import { binary } from '../decode';
import { as, received } from '../world';
import { PHONE, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

requireDebianTools('pdftoppm');

// Chromium's fake camera plays this file; it is written from a printed label before the camera starts.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-camera-'));
const video = path.join(dir, 'label.y4m');

let c: ConsoleWorld;
setUpConsole((world) => (c = world), {
  chromiumArgs: [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ],
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
jest.setTimeout(80_000);

/** The item's label as printed (100×50 mm PDF), rendered at 200 dpi and made into a short looping video. */
async function labelVideo(code: string): Promise<void> {
  const pdf = await as(c.ctx, c.world.people.officer).get(`/items/${code}/label.pdf`).buffer(true).parse(binary);
  expect(pdf.status).toBe(200);
  fs.writeFileSync(path.join(dir, 'label.pdf'), pdf.body as Buffer);
  execFileSync('pdftoppm', ['-png', '-r', '200', '-singlefile', 'label.pdf', 'label'], { cwd: dir });
  execFileSync(
    'ffmpeg',
    // prettier-ignore
    ['-loglevel', 'error', '-y', '-loop', '1', '-i', 'label.png', '-t', '3', '-r', '10',
      '-vf', 'scale=640:-2,format=yuv420p', '-f', 'yuv4mpegpipe', 'label.y4m'],
    { cwd: dir },
  );
}

test('at a phone width the camera reads a printed label and the item is checked in, decoded in the page', async () => {
  const [code] = await received(c.ctx, c.world, 1);
  await labelVideo(code!);
  const context = await c.context(PHONE);
  await context.grantPermissions(['camera']);
  const page = await context.newPage();
  const origins = new Set<string>();
  page.on('request', (request) => origins.add(new URL(request.url()).origin));
  await signIn(page, c.world.people.warehouse, '/scan');
  await page.getByTestId('scan-result').waitFor();

  await page.keyboard.type(c.world.loc('SHELF-1'), { delay: 4 });
  await page.keyboard.press('Enter');
  await page.getByTestId('scan-target').getByText(c.world.loc('SHELF-1')).waitFor();

  const wasm = page.waitForResponse((response) => response.url().endsWith('.wasm'));
  await page.getByRole('button', { name: '用摄像头扫码' }).click();
  expect((await wasm).status()).toBe(200);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="scan-result"]')?.getAttribute('data-outcome') === 'committed',
    undefined,
    { timeout: 30_000 },
  );
  const grouped = `${code!.slice(0, 4)}-${code!.slice(4, 8)}-${code!.slice(8)}`;
  expect(await page.getByTestId('scan-result').innerText()).toContain(grouped);
  const item = (await as(c.ctx, c.world.people.inspector).get(`/items/${code}`)).body;
  expect(item).toMatchObject({ state: 'stored', locationCode: c.world.loc('SHELF-1') });
  // The label stays in view: it is read again and again, but counts as one scan.
  await page.waitForTimeout(1500);
  expect(await page.getByTestId('scan-list').locator('li').count()).toBe(2);
  // Everything, the decoder's WebAssembly included, came from the console's own server.
  expect([...origins]).toEqual([c.baseURL]);
  await expectAccessible(page);
  await screenshot(page, 'scan-station-camera');
});
