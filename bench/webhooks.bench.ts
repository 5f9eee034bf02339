import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Caller } from '../src/custody/directory/caller';
import { Sealer } from '../src/interconnect/sealed';
import { createSubscription } from '../src/interconnect/webhooks/subscriptions';
import { startServer } from '../tests/server-process';
import { appendRounds, freePort, percentile, registerMany, type BenchDb } from './fixture';
import type { Figure } from './table';

/** Events delivered for the rate: a few seconds' worth. */
const BURST = 2000;
/** The steady load for the lag: commands a second, and for how long. */
const RATE = 100;
const SECONDS = 10;

/** A receiver on loopback that answers 200 at once and notes when each message arrived. */
async function receiver() {
  const arrived = new Map<string, { at: number; recordedAt: string | undefined }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { event?: { recordedAt?: string } } };
      arrived.set(String(req.headers['webhook-id']), { at, recordedAt: body.data?.event?.recordedAt });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrived,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('webhook bench: the deliveries did not all arrive');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The same POSTs, one after another on a kept-alive connection, with no database behind them. */
async function barePosts(url: string, bodies: string[]): Promise<number> {
  const agent = new http.Agent({ keepAlive: true });
  const started = performance.now();
  for (const body of bodies) {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } });
      req.on('response', (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      req.end(body);
    });
  }
  agent.destroy();
  return (bodies.length / (performance.now() - started)) * 1000;
}

/**
 * Webhook deliveries by the real server process to a receiver on loopback: how many a second when a burst of
 * events is waiting (beside a bare POST loop of the same bodies), and the lag from an event's append to its
 * arrival while commands come at RATE a second.
 */
export async function benchWebhooks(db: BenchDb): Promise<Figure[]> {
  const r = await receiver();
  const secret = randomBytes(32).toString('hex');
  const [agency] = await db.orm.em
    .fork()
    .execute<{ code: string }[]>('select code from agencies where id = ?', [db.actor.agencyId]);
  const admin: Caller = {
    id: db.actor.id,
    username: 'bench',
    displayName: 'Bench',
    agencyId: db.actor.agencyId,
    agencyCode: agency!.code,
    agencyKind: 'police',
    roles: ['admin'],
  };
  await createSubscription(
    db.orm.em.fork(),
    admin,
    { url: r.url, eventTypes: ['registered', 'hold_placed', 'hold_released'], agencyCodes: [agency!.code] },
    { sealer: new Sealer(secret), allowInternal: true },
  );
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-bench-webhooks-'));
  const server = startServer({
    DATABASE_URL: db.url,
    DATABASE_OWNER_URL: db.ownerUrl,
    JWT_SECRET: secret,
    PORT: String(port),
    MQTT_PORT: '0',
    CUSTODY_DATA_DIR: dataDir,
    VERIFY_INTERVAL_SECONDS: '0',
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  try {
    await server.ready(port);
    // A burst already committed: the deliverer's own rate.
    const items = await registerMany(db, BURST);
    const burstStarted = performance.now();
    await until(() => r.arrived.size >= BURST, 120_000);
    const rate = (BURST / (performance.now() - burstStarted)) * 1000;
    const bodies = Array.from({ length: BURST }, () => JSON.stringify({ type: 'registered', data: items[0] }));
    const bare = await barePosts(r.url, bodies);

    // A steady load: one event every 1/RATE s, each its own transaction, as commands come.
    r.arrived.clear();
    let current = items.slice(0, 1);
    const loadStarted = Date.now();
    for (let i = 0; i < RATE * SECONDS; i++) {
      current = await appendRounds(db, current, 1);
      const due = loadStarted + ((i + 1) * 1000) / RATE;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    }
    await until(() => r.arrived.size >= RATE * SECONDS, 60_000);
    const lags = [...r.arrived.values()].map((m) => m.at - Date.parse(m.recordedAt!)).sort((a, b) => a - b);
    return [
      {
        section: 'webhooks',
        name: `deliveries to a loopback receiver, ${BURST} waiting (deliveries/s)`,
        value: rate,
        unit: '/s',
        baseline: { name: 'a bare POST loop of the same bodies', value: bare },
      },
      ...([50, 99] as const).map((p) => ({
        section: 'webhooks',
        name: `lag from an event's append to its delivery at ${RATE} commands/s, p${p}`,
        value: percentile(lags, p),
        unit: 'ms',
      })),
    ];
  } finally {
    await server.stop();
    await r.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
