import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

/**
 * Debian's Chromium (apt-get install chromium), headless, with everything that would phone home switched
 * off: on this closed network those calls only flood it. Playwright gives each launch a fresh profile of its
 * own (it refuses --user-data-dir) and removes it on close.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/** Where the screenshots of every screen go (README: "Console screenshots"); not committed. */
export const SCREENSHOTS = path.join(__dirname, '..', '..', 'screenshots');

export async function newContext(browser: Browser, baseURL: string, size = DESKTOP): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport: size,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
}

/** Fails on any serious or critical accessibility violation, naming each one and where it is. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`,
  );
  expect(report).toEqual([]);
}

/** A screenshot of the screen at both sizes, named for the screen. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize();
  const suffix = size && size.width < 600 ? 'phone' : 'desktop';
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.${suffix}.png`), fullPage: true });
}
