import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createTestContext, type TestContext } from './context';
import { freePort } from './ports';
import { startServer, type ServerProcess } from './server-process';
import { as, buildWorld, register, type World } from './world';

/**
 * The real server process killed with SIGKILL while a webhook delivery waits for its receiver's answer: after
 * a restart every event comes, in order, and those not yet noted as delivered come again with the same
 * webhook-ids.
 */
jest.setTimeout(120_000);

let ctx: TestContext;
let world: World;
const servers: ServerProcess[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-webhooks-'));
fs.chmodSync(dataDir, 0o711);
let receiver: http.Server | undefined;
afterAll(async () => {
  receiver?.closeAllConnections();
  receiver?.close();
  for (const server of servers) await server.stop('SIGKILL');
  await ctx?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('a delivery cut off by SIGKILL is made again after the restart, and none is lost', async () => {
  ctx = await createTestContext({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  world = await buildWorld(ctx);
  const port = await freePort();
  const env = {
    DATABASE_URL: ctx.serverUrl,
    DATABASE_OWNER_URL: ctx.url,
    JWT_SECRET: ctx.tokens.secret,
    PORT: String(port),
    MQTT_PORT: '0',
    CUSTODY_DATA_DIR: dataDir,
    WEBHOOK_ALLOW_PRIVATE: 'true',
  };

  // The receiver answers the first three deliveries and holds the fourth open: the server is killed then.
  let secret = '';
  const requests: string[] = [];
  const answered: string[] = [];
  const bad: string[] = [];
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = req.headers['webhook-id'] as string;
      requests.push(id);
      try {
        new Webhook(secret).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
      } catch (err) {
        bad.push(String(err));
      }
      if (requests.length === 4) return;
      answered.push(id);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const made = await as(ctx, world.people.admin).post('/webhooks', {
    url,
    eventTypes: ['registered'],
    agencyCodes: [world.agencies.police.code],
  });
  expect(made.status).toBe(201);
  secret = made.body.secret;
  const codes: string[] = [];
  for (let i = 0; i < 8; i++) codes.push(...(await register(ctx, world)));
  const events = await ctx.orm.em.fork().execute<{ idx: string }[]>(
    `select e.idx::text from ledger_events e join items i on i.id = e.item_id
        where i.code = any (?::text[]) and e.type = 'registered' order by e.idx`,
    [`{${codes.join(',')}}`],
  );
  const ids = events.map((e) => `ledger-${e.idx}`);

  servers.push(startServer(env));
  await servers[0]!.ready(port);
  await until(() => requests.length === 4, 'the fourth delivery');
  await servers[0]!.stop('SIGKILL');
  expect(answered).toEqual(ids.slice(0, 3));

  servers.push(startServer(env));
  await servers[1]!.ready(port);
  // The killed process's lease on the subscription runs out first (15 s at most).
  // Messages delivered but not yet noted when the process died come again, with the same webhook-ids: a
  // receiver that keeps the ids it has seen drops them.
  const seen = () => [...new Set(answered)];
  await until(() => seen().length === ids.length, `all ${ids.length} deliveries (have ${seen().length})`);
  expect(seen()).toEqual(ids);
  expect(requests[3]).toBe(ids[3]);
  expect(requests.slice(4)).toContain(ids[3]);
  // After the restart, in order again from where the log of what was noted stopped.
  const again = requests.slice(4);
  expect(again).toEqual(ids.slice(ids.indexOf(again[0]!)));
  expect(bad).toEqual([]);
  const read = await as(ctx, world.people.admin).get(`/webhooks/${made.body.id}`);
  expect(read.body.ledgerCursor).toBe(Number(events.at(-1)!.idx));
});
