import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { hashPassword } from '../src/custody/directory/password';
import { ensureConsoleBuilt } from '../scripts/console-build';
import { launchChromium } from '../tests/console/chromium';
import { EventStream } from '../tests/event-stream';
import { startServer } from '../tests/server-process';
import { freePort, percentile, type BenchDb } from './fixture';
import type { Figure } from './table';

const PASSWORD = 'bench live passphrase 2026';
const CONSOLES = 100;
const ALERTS = 60;
// Alerts a little apart, as they come in a warehouse: the figure is each one's latency, not a burst's.
const PAUSE_MS = 50;

/** ms from `send(i)` being called to `arrived(i)` (the time it arrived), for each of ALERTS, sorted. */
async function latencies(
  send: (i: number) => Promise<void>,
  arrived: (i: number) => Promise<number>,
  /** The clock `arrived` reads. */
  now = Date.now,
): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < ALERTS; i++) {
    // From before the insert: after it, this process may be busy reading the other consoles' streams, and
    // the figure would start late. So it includes the insert's own round trip.
    const asked = now();
    await send(i);
    ms.push((await arrived(i)) - asked);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  return ms.sort((a, b) => a - b);
}

/**
 * An alert committed in PostgreSQL until it is on the screen of a console (Debian's Chromium, against the real
 * server process), while 99 more consoles' change streams are connected; beside a bare LISTEN/NOTIFY round
 * trip in the same database.
 */
export async function benchLive(db: BenchDb): Promise<Figure[]> {
  ensureConsoleBuilt();
  const owner = db.orm.em.fork();
  await owner.execute(
    `insert into users (id, username, display_name, agency_id, roles, password_hash)
     values (gen_random_uuid(), 'bench-watcher', 'Bench watcher', ?, '{warehouse}', ?)
     on conflict (username) do update set password_hash = excluded.password_hash, roles = excluded.roles`,
    [db.actor.agencyId, await hashPassword(PASSWORD)],
  );
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-bench-live-'));
  const server = startServer({
    DATABASE_URL: db.url,
    DATABASE_OWNER_URL: db.ownerUrl,
    PORT: String(port),
    MQTT_PORT: String(await freePort()),
    CUSTODY_DATA_DIR: dataDir,
  });
  const base = `http://127.0.0.1:${port}`;
  const browser = await launchChromium();
  const streams: EventStream[] = [];
  const listener = new pg.Client({ connectionString: db.ownerUrl });
  try {
    await server.ready(port);
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench-watcher', password: PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    for (let i = 1; i < CONSOLES; i++) {
      streams.push(await EventStream.open(`${base}/api/v1/changes/stream`, { Authorization: `Bearer ${accessToken}` }));
    }

    const context = await browser.newContext({ baseURL: base });
    await context.request.post('/api/v1/auth/session', { data: { username: 'bench-watcher', password: PASSWORD } });
    const page = await context.newPage();
    await page.goto('/alerts');
    await page.locator('[data-live="on"]').waitFor();
    // The moment each alert's banner is in the page, by the page's own clock (the same machine's).
    // (As text: this project's TypeScript has no DOM.)
    await page.evaluate(`
      window.benchSeen = {};
      new MutationObserver(() => {
        for (const banner of document.querySelectorAll('[data-testid="live-alerts"] [role="alert"]')) {
          const n = /bench alert (\\d+)/.exec(banner.textContent ?? '')?.[1];
          if (n !== undefined) window.benchSeen[n] ??= Date.now();
        }
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    `);
    const onScreen = await latencies(
      (i) =>
        owner
          .execute(`insert into alerts (id, kind, message) values (gen_random_uuid(), 'tamper', ?)`, [
            `bench alert ${i}`,
          ])
          .then(() => undefined),
      async (i) => {
        const seen = await page.waitForFunction(
          (n) => (globalThis as unknown as { benchSeen: Record<string, number> }).benchSeen[n],
          String(i),
          { polling: 5 },
        );
        return (await seen.jsonValue()) as number;
      },
    );
    const told = streams.filter((s) => s.events.some((e) => e.data.message === `bench alert ${ALERTS - 1}`));

    await listener.connect();
    await listener.query('listen bench_bare');
    const heard = new Map<string, number>();
    const waiting = new Map<string, () => void>();
    listener.on('notification', (n) => {
      heard.set(n.payload!, performance.now());
      waiting.get(n.payload!)?.();
    });
    const bare = await latencies(
      (i) => owner.execute(`select pg_notify('bench_bare', ?)`, [String(i)]).then(() => undefined),
      (i) =>
        new Promise<number>((resolve) => {
          if (heard.has(String(i))) return resolve(heard.get(String(i))!);
          waiting.set(String(i), () => resolve(heard.get(String(i))!));
        }),
      () => performance.now(),
    );
    return [
      {
        section: 'live',
        name: `alert committed → on screen, p95 of ${ALERTS}, ${CONSOLES} consoles connected (${told.length + 1} told)`,
        value: percentile(onScreen, 0.95),
        unit: 'ms',
        baseline: { name: 'bare LISTEN/NOTIFY, p95', value: percentile(bare, 0.95) },
        target: '≤ 500 ms',
      },
    ];
  } finally {
    streams.forEach((s) => s.close());
    await listener.end().catch(() => undefined);
    await browser.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
