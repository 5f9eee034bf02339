import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestContext, serverErrors, type TestContext } from '../context';
import { TEST_PASSWORD } from '../factories';
import { freePort } from '../ports';
import { startServer, type ServerProcess } from '../server-process';
import { buildWorld, type Actor, type World } from '../world';
import { DESKTOP, launchChromium, newContext } from './browser';

export interface ConsoleWorld {
  /** The test's own database, reached in-process for factories and checks behind the server's back. */
  ctx: TestContext;
  world: World;
  /** The real server process (src/main.ts), serving the built console and the API on that database. */
  server: ServerProcess;
  baseURL: string;
  browser: Browser;
  /** A fresh browser context (cookies, storage) at a screen size. */
  context(size?: { width: number; height: number }): Promise<BrowserContext>;
}

/**
 * A world (agencies, one user per role, a centre's locations, a case) in a database of its own, the real
 * server process on it, and Debian's Chromium; closed after the file's tests, when neither the in-process
 * app nor the server process may have logged a server error.
 */
export function setUpConsole(
  set: (world: ConsoleWorld) => void,
  options: {
    env?: Record<string, string>;
    chromiumArgs?: string[];
    /** The server's own database URL, e.g. through a relay the test can cut. */
    databaseUrl?: (url: string) => Promise<string>;
  } = {},
): void {
  let ctx: TestContext;
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-console-'));
  beforeAll(async () => {
    ctx = await createTestContext();
    const world = await buildWorld(ctx);
    const port = await freePort();
    server = startServer({
      DATABASE_URL: options.databaseUrl ? await options.databaseUrl(ctx.serverUrl) : ctx.serverUrl,
      DATABASE_OWNER_URL: ctx.url,
      JWT_SECRET: ctx.tokens.secret,
      // One deployment: the in-process app and the server process sign the ledger with one key.
      CUSTODY_LEDGER_KEY: ctx.ledgerKey,
      PORT: String(port),
      MQTT_PORT: String(await freePort()),
      CUSTODY_DATA_DIR: dataDir,
      ...options.env,
    });
    browser = await launchChromium(options.chromiumArgs);
    await server.ready(port);
    const baseURL = `http://127.0.0.1:${port}`;
    set({
      ctx,
      world,
      server,
      baseURL,
      browser,
      context: async (size = DESKTOP) => {
        const context = await newContext(browser, baseURL, size);
        contexts.push(context);
        return context;
      },
    });
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(serverErrors(ctx)).toEqual([]);
    expect(server.output()).not.toMatch(/"level":50/);
    await ctx?.close();
  }, 60_000);
}

/** Signs in through the console's own sign-in page, as the person would. */
export async function signIn(page: Page, actor: Actor, next = '/'): Promise<void> {
  await page.goto(next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/用户名|Username/).fill(actor.user.username);
  await page.getByLabel(/^(密码|Password)$/).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: /登\s*录|Sign in/ }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}
