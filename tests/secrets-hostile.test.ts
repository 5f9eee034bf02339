import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, credentialsOf, phone, register, stored, type World } from './world';
import { randomBytes } from 'node:crypto';
import { purgeExpiredKeys } from '../src/custody/items/command-keys';
import { keepAttachmentsPrivate } from '../src/custody/items/attachment-store';
import { makeJpeg, makePdf, makePng } from './attachment-fixtures';

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
  (
    await ctx.orm.em
      .fork()
      .execute<{ response: unknown; request_hash: Buffer }[]>(
        'select response, request_hash from idempotency_keys where key = ?',
        [key],
      )
  )[0];

describe('idempotency keys keep no secret', () => {
  test('a device registered with an Idempotency-Key leaves no password in the database, and a retry gets none', async () => {
    const admin = as(ctx, world.people.admin);
    const key = `device-${world.loc('SCANNER')}`;
    const first = await admin
      .post('/devices', { code: world.loc('SCANNER'), kind: 'scanner', mode: 'check_in' })
      .set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    const password = first.body.password as string;
    expect(password.length).toBeGreaterThan(10);

    expect(JSON.stringify((await storedKey(key))!.response)).not.toContain(password);
    const retry = await admin
      .post('/devices', { code: world.loc('SCANNER'), kind: 'scanner', mode: 'check_in' })
      .set('Idempotency-Key', key);
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
        .update(
          `POST /api/v1/handovers\n${JSON.stringify({ ...body, handedOverBy: { ...body.handedOverBy, password } })}`,
        )
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
    expect(
      (await approver.post(`/items/${code}/hold`, { reason: 'court order 1' }).set('Idempotency-Key', key)).status,
    ).toBe(200);
    expect((await approver.delete(`/items/${code}/hold`, { reason: 'lifted' })).status).toBe(200);
    await ctx.orm.em
      .fork()
      .execute(`update idempotency_keys set created_at = now() - interval '25 hours' where key = ?`, [key]);

    const again = await approver.post(`/items/${code}/hold`, { reason: 'court order 1' }).set('Idempotency-Key', key);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    const item = await officer.get(`/items/${code}`);
    expect(item.body.legalHold).toBe(true);

    await ctx.orm.em
      .fork()
      .execute(`update idempotency_keys set created_at = now() - interval '25 hours' where key = ?`, [key]);
    await purgeExpiredKeys(ctx.orm.em.fork());
    expect(await storedKey(key)).toBeUndefined();
  });
});

const eventCount = async () =>
  Number((await ctx.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ledger_events'))[0]!.n);
const attachmentsDir = () => path.join(ctx.config.dataDir, 'attachments');
const storedFiles = (): string[] =>
  fs.existsSync(attachmentsDir())
    ? fs
        .readdirSync(attachmentsDir(), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : [];

/** IHDR with another width and height, its CRC made right, so that only the size is wrong. */
function rewrittenIhdr(png: Buffer, width: number, height: number): Buffer {
  const chunk = Buffer.from(png.subarray(12, 33));
  chunk.writeUInt32BE(width, 4);
  chunk.writeUInt32BE(height, 8);
  chunk.writeUInt32BE(zlib.crc32(chunk.subarray(0, 17)), 17);
  return chunk.subarray(4);
}

describe('attachments are what their type says', () => {
  let png: Buffer;
  let jpeg: Buffer;
  let pdf: Buffer;
  beforeAll(async () => {
    png = makePng(16, 9);
    jpeg = await makeJpeg();
    pdf = await makePdf();
  });

  test.each<[string, string, () => Buffer]>([
    [
      'a web page declared image/png',
      'image/png',
      () => Buffer.from('<!doctype html><script>fetch("/api/v1/me")</script>'),
    ],
    [
      'an SVG declared application/pdf',
      'application/pdf',
      () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
    ['random bytes declared image/jpeg', 'image/jpeg', () => randomBytes(4096)],
    ['a JPEG declared image/png', 'image/png', () => jpeg],
    [
      'a PNG whose chunk CRC is wrong',
      'image/png',
      () => Buffer.concat([png.subarray(0, 20), Buffer.from([png[20]! ^ 1]), png.subarray(21)]),
    ],
    [
      'a PNG whose image data is shorter than its header says',
      'image/png',
      () => makePng(16, 9, { raw: Buffer.alloc(20) }),
    ],
    [
      'a PNG whose image data inflates beyond its header (a decompression bomb)',
      'image/png',
      () => makePng(16, 9, { raw: Buffer.alloc(8 << 20) }),
    ],
    [
      'a PNG claiming 100000×100000 pixels',
      'image/png',
      () => Buffer.concat([png.subarray(0, 16), rewrittenIhdr(png, 100_000, 100_000), png.subarray(33)]),
    ],
    [
      'a PNG signature followed by HTML',
      'image/png',
      () => Buffer.concat([png.subarray(0, 8), Buffer.from('<html><script>alert(1)</script></html>')]),
    ],
    ['a JPEG cut short', 'image/jpeg', () => jpeg.subarray(0, jpeg.length - 64)],
    [
      'a JPEG start marker followed by HTML',
      'image/jpeg',
      () => Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from('<html></html>')]),
    ],
    [
      'a PDF header and %%EOF around HTML',
      'application/pdf',
      () => Buffer.from('%PDF-1.7\n<html><script>alert(1)</script></html>\nstartxref\n9\n%%EOF\n'),
    ],
    ['a PDF cut short', 'application/pdf', () => pdf.subarray(0, pdf.length - 200)],
  ])('%s is refused with 422, and nothing is stored or appended', async (_what, type, bytes) => {
    const [code] = await register(ctx, world);
    const before = await eventCount();
    const files = storedFiles().length;
    const res = await as(ctx, world.people.officer).upload(`/items/${code}/attachments`, type, bytes());
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toContain(`declared ${type} but is not one`);
    expect(await eventCount()).toBe(before);
    expect(storedFiles().length).toBe(files);
  });

  test('bytes that are no image do not count as the photograph valuables need before check-in', async () => {
    const [code] = await register(ctx, world, [{ ...phone, category: 'valuables', description: '金项链一条' }]);
    const warehouse = as(ctx, world.people.warehouse);
    expect(
      (await warehouse.post('/handovers', { itemCodes: [code], handedOverBy: credentialsOf(world.people.officer) }))
        .status,
    ).toBe(201);
    expect(
      (await warehouse.upload(`/items/${code}/attachments?filename=front.jpg`, 'image/jpeg', randomBytes(2048))).status,
    ).toBe(422);
    const checkIn = { locationCode: world.loc('SAFE'), witness: credentialsOf(world.people.warehouse2) };
    const refused = await warehouse.post(`/items/${code}/check-in`, checkIn);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/must be photographed/);
    expect((await warehouse.upload(`/items/${code}/attachments?filename=front.jpg`, 'image/jpeg', jpeg)).status).toBe(
      201,
    );
    expect((await warehouse.post(`/items/${code}/check-in`, checkIn)).status).toBe(200);
  });

  test('real PNG (plain and interlaced), JPEG and PDF files are accepted and stored private to the server', async () => {
    const [code] = await register(ctx, world);
    const officer = as(ctx, world.people.officer);
    for (const [type, bytes] of [
      ['image/png', png],
      ['image/png', makePng(13, 7, { interlaced: true })],
      ['image/jpeg', jpeg],
      ['application/pdf', pdf],
    ] as const) {
      const res = await officer.upload(`/items/${code}/attachments`, type, bytes);
      expect({ type, status: res.status }).toEqual({ type, status: 201 });
      const file = path.join(attachmentsDir(), res.body.sha256.slice(0, 2), res.body.sha256);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    }
  });

  test('an attachments folder left readable by others is made private at start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-open-attachments-'));
    fs.mkdirSync(path.join(dir, 'ab'), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'ab', 'abcdef'), 'evidence', { mode: 0o644 });
    fs.chmodSync(dir, 0o755);
    await keepAttachmentsPrivate(dir);
    expect([dir, path.join(dir, 'ab'), path.join(dir, 'ab', 'abcdef')].map((p) => fs.statSync(p).mode & 0o777)).toEqual(
      [0o700, 0o700, 0o600],
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('reading a whole history leaves a trace', () => {
  test("every read of an item's events (each page) and of its proof bundle is in its report-access log", async () => {
    const [code] = await stored(ctx, world);
    const inspector = as(ctx, world.people.inspector);
    const log = async () =>
      (await inspector.get(`/items/${code}/report-access`)).body.items as {
        kind: string;
        format: string;
        username: string;
      }[];
    expect(await log()).toEqual([]);

    expect((await as(ctx, world.people.officer).get(`/items/${code}/events`)).status).toBe(200);
    expect((await inspector.get(`/items/${code}/events?limit=1&offset=1`)).status).toBe(200);
    expect((await as(ctx, world.people.officer2).get(`/items/${code}/proof`)).status).toBe(200);
    expect(await log()).toEqual([
      expect.objectContaining({ kind: 'events', format: 'json', username: world.people.officer.user.username }),
      expect.objectContaining({ kind: 'events', format: 'json', username: world.people.inspector.user.username }),
      expect.objectContaining({ kind: 'proof', format: 'json', username: world.people.officer2.user.username }),
    ]);
  });

  test('a read that is refused (an item of another agency) records nothing', async () => {
    const [code] = await register(ctx, world);
    expect((await as(ctx, world.people.strangerOfficer).get(`/items/${code}/events`)).status).toBe(404);
    expect((await as(ctx, world.people.strangerOfficer).get(`/items/${code}/proof`)).status).toBe(404);
    expect((await as(ctx, world.people.inspector).get(`/items/${code}/report-access`)).body.items).toEqual([]);
  });
});
