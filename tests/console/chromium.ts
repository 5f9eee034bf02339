import { chromium, type Browser } from 'playwright-core';

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
      // Every new window (each test's context) would load the address bar's drop-down, two pages of
      // Chromium's own UI in renderers of their own, beside the page under test, on the same two cores.
      '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup',
      ...extraArgs,
    ],
  });
}
