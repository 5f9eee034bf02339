import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export { launchChromium } from './chromium';

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
  // Only the violations are read: without the passes and the incomplete, axe's report is much quicker to make.
  const result = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze();
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

/**
 * A button by its words. Ant Design puts a space between the two characters of a two-character label (and an
 * icon's name before the label).
 */
export const button = (scope: Page | Locator, name: string) =>
  scope.getByRole('button', { name: new RegExp(`(^|\\s)${[...name].join('\\s*')}$`) });

/** Picks an option of an Ant Design select, as a user would: open it, click the option. */
export async function choose(page: Page, field: Locator, option: string) {
  await field.click();
  await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${option}"]`).click();
}
