import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, credentialsOf, register, stored, type World } from './world';
import { purgeExpiredKeys } from '../src/custody/command-keys';

/**
 * The insider's attacks on secrets and data at rest (issue 14): each test plays one and asserts it fails.
 */
let ctx: TestContext;
let world: World;
beforeAll(async () => {
  ctx = await createTestContext({ CUSTODY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'custody-secrets-')) });
  world = await buildWorld(ctx);
});
afterAll(async () => {
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
  fs.rmSync(ctx.config.dataDir, { recursive: true, force: true });
});

const storedKey = async (key: string) =>
  (await ctx.orm.em.fork().execute<{ response: unknown; request_hash: Buffer }[]>('select response, request_hash from idempotency_keys where key = ?', [key]))[0];

describe('idempotency keys keep no secret', () => {
  test('a device registered with an Idempotency-Key leaves no password in the database, and a retry gets none', async () => {
    const admin = as(ctx, world.people.admin);
    const key = `device-${world.loc('SCANNER')}`;
    const first = await admin.post('/devices', { code: world.loc('SCANNER'), kind: 'scanner', mode: 'check_in' }).set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    const password = first.body.password as string;
    expect(password.length).toBeGreaterThan(10);

    expect(JSON.stringify((await storedKey(key))!.response)).not.toContain(password);
    const retry = await admin.post('/devices', { code: world.loc('SCANNER'), kind: 'scanner', mode: 'check_in' }).set('Idempotency-Key', key);
    expect(retry.status).toBe(409);
    expect(retry.headers['content-type']).toMatch(/problem\+json/);
    expect(retry.body.detail).toMatch(/was carried out/);
    expect(retry.body.detail).toMatch(/shown once/);
    expect(retry.body.detail).toContain(`/api/v1/devices/${first.body.id}`);
    expect(JSON.stringify(retry.body)).not.toContain(password);

    const rotateKey = `rotate-${first.body.id}`;
    const rotated = await admin.post(`/devices/${first.body.id}/rotate-password`).set('Idempotency-Key', rotateKey);
    expect(rotated.status).toBe(200);
    expect(JSON.stringify((await storedKey(rotateKey))!.response)).not.toContain(rotated.body.password);
    const rotateRetry = await admin.post(`/devices/${first.body.id}/rotate-password`).set('Idempotency-Key', rotateKey);
    expect(rotateRetry.status).toBe(409);
    expect(JSON.stringify(rotateRetry.body)).not.toContain(rotated.body.password);
  });

  test("a hand-over's stored request hash is no guessing oracle for the officer's password", async () => {
    const [code] = await register(ctx, world);
    const warehouse = as(ctx, world.people.warehouse);
    const body = { itemCodes: [code], handedOverBy: credentialsOf(world.people.officer) };
    const key = `handover-${code}`;
    const first = await warehouse.post('/handovers', body).set('Idempotency-Key', key);
    expect(first.status).toBe(201);

    // What an attacker with a dump computes for each guess; the right guess must not match.
    const guess = (password: string) =>
      createHash('sha256')
        .update(`POST /api/v1/handovers\n${JSON.stringify({ ...body, handedOverBy: { ...body.handedOverBy, password } })}`)
        .digest();
    const { request_hash } = (await storedKey(key))!;
    expect(request_hash.equals(guess(body.handedOverBy.password))).toBe(false);
    expect(JSON.stringify(first.body)).not.toContain(body.handedOverBy.password);

    const retry = await warehouse.post('/handovers', body).set('Idempotency-Key', key);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
  });

  test('a key older than a day counts as new, and expired keys are purged', async () => {
    const officer = as(ctx, world.people.officer);
    const [code] = await stored(ctx, world);
    const key = `hold-${code}`;
    const approver = as(ctx, world.people.approver);
    expect((await approver.post(`/items/${code}/hold`, { reason: 'court order 1' }).set('Idempotency-Key', key)).status).toBe(200);
    expect((await approver.delete(`/items/${code}/hold`, { reason: 'lifted' })).status).toBe(200);
    await ctx.orm.em.fork().execute(`update idempotency_keys set created_at = now() - interval '25 hours' where key = ?`, [key]);

    const again = await approver.post(`/items/${code}/hold`, { reason: 'court order 1' }).set('Idempotency-Key', key);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    const item = await officer.get(`/items/${code}`);
    expect(item.body.legalHold).toBe(true);

    await ctx.orm.em.fork().execute(`update idempotency_keys set created_at = now() - interval '25 hours' where key = ?`, [key]);
    await purgeExpiredKeys(ctx.orm.em.fork());
    expect(await storedKey(key)).toBeUndefined();
  });
});
