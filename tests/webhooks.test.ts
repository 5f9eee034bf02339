import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { Sealer } from '../src/interconnect/sealed';
import { DEFAULT_DELIVERY, WebhookDeliverer, type DeliverySettings } from '../src/interconnect/webhooks/deliverer';
import { isInternalAddress } from '../src/interconnect/webhooks/destination';
import { leafHash, rootFromInclusionProof } from '../src/verifier/crypto';
import { rootOf, leafHash as serverLeafHash } from '../src/custody/ledger/merkle';
import { createTestContext, type TestContext } from './context';
import { signedIn } from './factories';
import { as, register, setUpWorld, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ((ctx = c), (world = w)), { WEBHOOK_ALLOW_PRIVATE: 'true' });

interface Received {
  id: string;
  type: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
}

/**
 * A receiver as a system outside the centre runs one: every delivery's signature checked with the
 * standardwebhooks library; `answer` says what it answers (200 by default).
 */
async function receiver(answer: (n: number) => number | 'hang' = () => 200) {
  const got: Received[] = [];
  const refusedSignatures: string[] = [];
  let secret = '';
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answer(n++);
      if (status === 'hang') return;
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch (err) {
        refusedSignatures.push(String(err));
      }
      if (status >= 200 && status < 300)
        got.push({ id: req.headers['webhook-id'] as string, type: JSON.parse(body).type, body: JSON.parse(body) });
      res.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end('answered');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    refusedSignatures,
    requests: () => n,
    useSecret: (s: string) => void (secret = s),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const fast: Partial<DeliverySettings> = { firstBackoffMs: 50, maxBackoffMs: 200, timeoutMs: 2000, pollMs: 20 };

function deliverer(settings: Partial<DeliverySettings> = {}) {
  return new WebhookDeliverer(
    ctx.orm,
    new Sealer(ctx.tokens.secret),
    { ...DEFAULT_DELIVERY, ...fast, allowInternal: true, publicUrl: 'http://custody.test', ...settings },
    { info: () => undefined, warn: () => undefined, error: () => undefined },
  );
}

async function subscribe(
  url: string,
  eventTypes: string[] = ['registered', 'handover', 'check_in', 'alert.changed', 'request.changed'],
  agencyCodes = [world.agencies.police.code],
) {
  const res = await as(ctx, world.people.admin).post('/webhooks', { url, eventTypes, agencyCodes });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; ledgerCursor: number };
}

/** Runs the deliverer until `done` holds (or fails the test after a few seconds). */
async function until(done: () => boolean | Promise<boolean>, deliver = deliverer()) {
  const deadline = Date.now() + 8000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('not delivered in 8 s');
    await deliver.deliverDue();
    await new Promise((r) => setTimeout(r, 20));
  }
}

const eventsOf = async (codes: string[]) =>
  ctx.orm.em.fork().execute<{ idx: string; type: string; canonical: string }[]>(
    `select e.idx::text, e.type, e.canonical from ledger_events e join items i on i.id = e.item_id
        where i.code = any (?::text[]) order by e.idx`,
    [`{${codes.join(',')}}`],
  );

// Each test's subscriptions end with it: one whose receiver has gone would be retried in the next.
afterEach(async () => void (await ctx.orm.em.fork().execute('delete from webhook_subscriptions')));

describe('webhook deliveries', () => {
  test('bring every covered ledger event, in ledger order, signed, checkable against the log', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url);
    r.useSecret(sub.secret);
    const codes = [...(await register(ctx, world)), ...(await register(ctx, world))];
    const events = await eventsOf(codes);
    await until(() => r.got.length >= events.length);
    expect(r.refusedSignatures).toEqual([]);
    expect(r.got.map((m) => m.id)).toEqual(events.map((e) => `ledger-${e.idx}`));
    for (const [i, m] of r.got.entries()) {
      expect(m.body.data).toMatchObject({ index: Number(events[i]!.idx), canonical: events[i]!.canonical });
      expect(m.body.data.event).toEqual(JSON.parse(events[i]!.canonical));
      // The leaf hash is the canonical text's, and its inclusion proof leads to the log's root.
      const leaf = await leafHash(m.body.data.canonical as string);
      expect(Buffer.from(leaf).toString('hex')).toBe(m.body.data.leafHash);
      const proof = new URL(m.body.data.proof as string);
      expect(proof.origin).toBe('http://custody.test');
      const answer = await request(ctx.app).get(`${proof.pathname}${proof.search}`);
      expect(answer.status).toBe(200);
      const size = Number(proof.searchParams.get('size'));
      const leaves = await ctx.orm.em
        .fork()
        .execute<{ canonical: string }[]>('select canonical from ledger_events where idx < ? order by idx', [size]);
      const root = await rootFromInclusionProof(
        Number(m.body.data.index),
        size,
        leaf,
        (answer.body.hashes as string[]).map((h) => Buffer.from(h, 'base64')),
      );
      expect(Buffer.from(root)).toEqual(rootOf(leaves.map((l) => serverLeafHash(l.canonical))));
    }
    await r.close();
  });

  test('never bring an event of an agency the subscription does not cover', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['registered'], [world.agencies.otherPolice.code]);
    r.useSecret(sub.secret);
    await register(ctx, world);
    const [after] = await ctx.orm.em.fork().execute<{ size: string }[]>('select size::text from ledger_head');
    await until(async () => {
      const read = await as(ctx, world.people.admin).get(`/webhooks/${sub.id}`);
      return read.body.ledgerCursor === Number(after!.size) - 1;
    });
    expect(r.requests()).toBe(0);
    await r.close();
  });

  test('to a receiver that answers 500 for a while all come afterwards, in order, each attempt on record', async () => {
    const r = await receiver((n) => (n < 3 ? 500 : 200));
    const sub = await subscribe(r.url, ['registered']);
    r.useSecret(sub.secret);
    const codes = [...(await register(ctx, world)), ...(await register(ctx, world))];
    const events = await eventsOf(codes);
    await until(() => r.got.length >= events.length);
    expect(r.got.map((m) => m.id)).toEqual(events.map((e) => `ledger-${e.idx}`));
    const attempts = await as(ctx, world.people.admin).get(`/webhooks/${sub.id}/attempts`);
    const statuses = attempts.body.items.map((a: { status: number }) => a.status).reverse();
    expect(statuses).toEqual([500, 500, 500, 200, 200]);
    // The same message each time, with the same webhook-id.
    expect(new Set(attempts.body.items.slice(-4).map((a: { messageId: string }) => a.messageId)).size).toBe(1);
    expect(attempts.body.items[0]).toMatchObject({ response: 'answered', error: null });
    await r.close();
  });

  test('that keep failing pause the subscription and raise an alert; resumed, it goes on from its cursor', async () => {
    let up = false;
    const r = await receiver(() => (up ? 200 : 503));
    const sub = await subscribe(r.url, ['registered']);
    r.useSecret(sub.secret);
    const [code] = await register(ctx, world);
    const giveUp = deliverer({ giveUpAfterMs: 150 });
    await until(
      async () => (await as(ctx, world.people.admin).get(`/webhooks/${sub.id}`)).body.status === 'paused',
      giveUp,
    );
    const paused = await as(ctx, world.people.admin).get(`/webhooks/${sub.id}`);
    expect(paused.body.pausedReason).toMatch(/failed \d+ times .*HTTP 503/);
    const alerts = await as(ctx, world.people.warehouse).get('/alerts?status=open&limit=200');
    expect(JSON.stringify(alerts.body)).toContain(`webhook ${r.url} paused`);
    // Paused, nothing is tried.
    const tried = r.requests();
    await giveUp.deliverDue();
    expect(r.requests()).toBe(tried);
    up = true;
    expect((await as(ctx, world.people.admin).post(`/webhooks/${sub.id}/resume`)).status).toBe(200);
    const [event] = await eventsOf([code!]);
    await until(() => r.got.length === 1);
    expect(r.got[0]!.id).toBe(`ledger-${event!.idx}`);
    await r.close();
  });

  test('are replayed from an index, with the webhook-ids they had', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['registered']);
    r.useSecret(sub.secret);
    const codes = await register(ctx, world);
    await until(() => r.got.length === 1);
    const first = r.got[0]!.id;
    const replay = await as(ctx, world.people.admin).post(`/webhooks/${sub.id}/replay`, {
      fromIndex: Number(first.slice('ledger-'.length)),
    });
    expect(replay.status).toBe(200);
    await until(() => r.got.length === 2);
    expect(r.got[1]!.id).toBe(first);
    expect(codes).toHaveLength(1);
    await r.close();
  });

  test('bring alerts and requests as their own event types', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['alert.changed', 'request.changed']);
    r.useSecret(sub.secret);
    const [code] = await register(ctx, world);
    const filed = await as(ctx, world.people.officer).post('/requests', {
      kind: 'transfer',
      itemCodes: [code],
      reason: '移送审查起诉',
      toAgencyCode: world.agencies.procuratorate.code,
    });
    expect(filed.status).toBe(201);
    await ctx.orm.em
      .fork()
      .execute(
        `insert into alerts (id, kind, item_id, message) select gen_random_uuid(), 'test', id, 'a test alert' from items where code = ?`,
        [code],
      );
    await until(() => r.got.length >= 2);
    expect(r.got.map((m) => m.type).sort()).toEqual(['alert.changed', 'request.changed']);
    expect(r.got.find((m) => m.type === 'request.changed')!.body.data).toMatchObject({ id: filed.body.id });
    expect(r.got.find((m) => m.type === 'alert.changed')!.body.data).toMatchObject({ message: 'a test alert' });
    await r.close();
  });

  test('follow no redirect, and give up an attempt that takes too long', async () => {
    const redirecting = await receiver(() => 302);
    const sub = await subscribe(redirecting.url, ['registered']);
    await register(ctx, world);
    await until(async () => (await as(ctx, world.people.admin).get(`/webhooks/${sub.id}/attempts`)).body.total > 0);
    const [attempt] = (await as(ctx, world.people.admin).get(`/webhooks/${sub.id}/attempts`)).body.items;
    expect(attempt).toMatchObject({ status: 302, error: expect.stringMatching(/not followed/) });
    expect((await as(ctx, world.people.admin).delete(`/webhooks/${sub.id}`)).status).toBe(204);
    await redirecting.close();

    const silent = await receiver(() => 'hang');
    const slow = await subscribe(silent.url, ['registered']);
    await register(ctx, world);
    await until(
      async () => (await as(ctx, world.people.admin).get(`/webhooks/${slow.id}/attempts`)).body.total > 0,
      deliverer({ timeoutMs: 200 }),
    );
    const [timedOut] = (await as(ctx, world.people.admin).get(`/webhooks/${slow.id}/attempts`)).body.items;
    expect(timedOut).toMatchObject({ status: null, error: 'no answer in 200 ms' });
    expect((await as(ctx, world.people.admin).delete(`/webhooks/${slow.id}`)).status).toBe(204);
    await silent.close();
  });

  test('by two instances at once come once each, in order', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['registered']);
    r.useSecret(sub.secret);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push(...(await register(ctx, world)));
    const events = await eventsOf(codes);
    const [a, b] = [deliverer(), deliverer()];
    const deadline = Date.now() + 8000;
    while (r.got.length < events.length && Date.now() < deadline) await Promise.all([a.deliverDue(), b.deliverDue()]);
    expect(r.got.map((m) => m.id)).toEqual(events.map((e) => `ledger-${e.idx}`));
    await r.close();
  });
});

describe('webhook subscriptions', () => {
  test('are set up by administrators only, with a secret shown once, and on record', async () => {
    const body = {
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['registered'],
      agencyCodes: [world.agencies.police.code],
    };
    expect((await as(ctx, world.people.warehouse).post('/webhooks', body)).status).toBe(403);
    const made = await as(ctx, world.people.admin).post('/webhooks', body);
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^whsec_/);
    const read = await as(ctx, world.people.admin).get(`/webhooks/${made.body.id}`);
    expect(JSON.stringify(read.body)).not.toContain(made.body.secret);
    const stored = await ctx.orm.em
      .fork()
      .execute<{ sealed_secret: string }[]>('select sealed_secret from webhook_subscriptions where id = ?', [
        made.body.id,
      ]);
    expect(stored[0]!.sealed_secret).not.toContain(made.body.secret.slice(6));
    const log = await as(ctx, world.people.admin).get('/directory/log?limit=200');
    expect(JSON.stringify(log.body)).toContain('webhook.created');
    expect(JSON.stringify(log.body)).not.toContain(made.body.secret);
    const unknown = await as(ctx, world.people.admin).post('/webhooks', { ...body, eventTypes: ['teleported'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/eventTypes/);
    const noAgency = await as(ctx, world.people.admin).post('/webhooks', { ...body, agencyCodes: ['NO-SUCH'] });
    expect(noAgency.status).toBe(422);
    expect(
      (await as(ctx, world.people.admin).post(`/webhooks/${made.body.id}/replay`, { fromIndex: 10 ** 9 })).status,
    ).toBe(422);
    // Attempts are kept a month.
    const em = ctx.orm.em.fork();
    await em.execute(
      `insert into webhook_attempts (subscription_id, message_id, event_type, duration_ms, status, attempted_at)
       values (?, 'ledger-1', 'registered', 5, 200, now() - interval '31 days'), (?, 'ledger-2', 'registered', 5, 200, now())`,
      [made.body.id, made.body.id],
    );
    expect(await deliverer().prune()).toBe(1);
    const left = await as(ctx, world.people.admin).get(`/webhooks/${made.body.id}/attempts`);
    expect(left.body.items.map((a: { messageId: string }) => a.messageId)).toEqual(['ledger-2']);
  });
});

describe('a webhook receiver inside the centre’s network', () => {
  let strict: TestContext;
  beforeAll(async () => {
    strict = await createTestContext();
  });
  afterAll(() => strict.close());

  test('is refused when the subscription is made, by address or by name', async () => {
    const admin = await signedIn(strict, { roles: ['admin'] });
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest',
    ]) {
      const res = await request(strict.app)
        .post('/api/v1/webhooks')
        .set('Authorization', admin.auth)
        .send({ url, eventTypes: ['registered'], agencyCodes: [admin.agency.code] });
      expect({ url, status: res.status, detail: res.body.detail }).toEqual({
        url,
        status: 400,
        detail: expect.stringMatching(/inside the centre's network/),
      });
    }
    const credentials = await request(strict.app)
      .post('/api/v1/webhooks')
      .set('Authorization', admin.auth)
      .send({ url: 'https://user:pw@example.org/hook', eventTypes: ['registered'], agencyCodes: [admin.agency.code] });
    expect(credentials.body.detail).toMatch(/must not hold credentials/);
  });

  test('is refused when delivered to, as the address is connected to', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url.replace('127.0.0.1', 'localhost'), ['registered']);
    await register(ctx, world);
    await until(
      async () => (await as(ctx, world.people.admin).get(`/webhooks/${sub.id}/attempts`)).body.total > 0,
      deliverer({ allowInternal: false }),
    );
    const [attempt] = (await as(ctx, world.people.admin).get(`/webhooks/${sub.id}/attempts`)).body.items;
    expect(attempt.error).toMatch(/inside the centre's network/);
    expect(r.requests()).toBe(0);
    expect((await as(ctx, world.people.admin).delete(`/webhooks/${sub.id}`)).status).toBe(204);
    await r.close();
  });

  test('is judged by every kind of internal address', () => {
    for (const inside of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
    ])
      expect({ inside, internal: isInternalAddress(inside) }).toEqual({ inside, internal: true });
    for (const outside of ['8.8.8.8', '203.0.113.7', '2001:db8::1', '::ffff:8.8.8.8'])
      expect({ outside, internal: isInternalAddress(outside) }).toEqual({ outside, internal: false });
  });
});
