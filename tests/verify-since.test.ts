import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { verifyLogSince, verifyWholeLog } from '../src/cli/verify';
import { Frontier } from '../src/custody/ledger/merkle';
import {
  ED25519,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
  type VerifierKey,
} from '../src/custody/ledger/note';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, phone, register, stored, type World } from './world';

const run = promisify(execFile);

/**
 * `npm run verify -- --all --since SIZE`: the offline verifier, starting from a checkpoint an earlier run
 * verified, reads only what came after it through the API, and the earlier events of the items that changed.
 */
let ctx: TestContext;
let world: World;
let server: http.Server;
let base: string;
let logKey: VerifierKey;
/** The checkpoint the earlier run ended at, and the one after the new events. */
let first: number;
let second: number;
/** Items checked in before the first checkpoint: one moved after it, one left alone. */
let moved: string;
let untouched: string;

const sign = async () => {
  const res = await as(ctx, world.people.inspector).post('/ledger/checkpoint');
  expect(res.status).toBe(200);
  return res.body.size as number;
};
const token = () => world.people.inspector.token;

beforeAll(async () => {
  const signer = parseSignerKey(generateSignerKey('custody.test/since', ED25519));
  ctx = await createTestContext({}, { ledger: { signer, file: null, witnesses: [] } });
  world = await buildWorld(ctx);
  server = http.createServer(ctx.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  logKey = parseVerifierKey(formatVerifierKey(signer));
  const codes = await stored(ctx, world, Array(2).fill({ ...phone, description: '账本' }));
  [moved, untouched] = [codes[0]!, codes[1]!];
  first = await sign();
  const res = await as(ctx, world.people.warehouse).post(`/items/${moved}/move`, {
    locationCode: world.loc('SHELF-2'),
    note: 'rearranged',
  });
  expect(res.status).toBe(200);
  await register(ctx, world);
  second = await sign();
});
afterAll(async () => {
  server.close();
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
});

describe('the frontier and an item’s events, as the API serves them', () => {
  test('the frontier of a signed size folds to that checkpoint’s root; it is public, and no larger than the tree', async () => {
    const res = await fetch(`${base}/api/v1/ledger/frontier?size=${first}`);
    expect(res.status).toBe(200);
    const { hashes } = (await res.json()) as { hashes: string[] };
    // One perfect subtree per set bit of the size.
    expect(hashes).toHaveLength(first.toString(2).replace(/0/g, '').length);
    const checkpoint = await fetch(`${base}/api/v1/ledger/checkpoints?after=${first - 1}&limit=1`).then(
      (r) => r.json() as Promise<{ items: { size: number; root: string }[] }>,
    );
    expect(checkpoint.items[0]!.size).toBe(first);
    const root = new Frontier(
      first,
      hashes.map((h) => Buffer.from(h, 'base64')),
    ).root();
    expect(root.toString('base64')).toBe(checkpoint.items[0]!.root);

    const tooLarge = await fetch(`${base}/api/v1/ledger/frontier?size=${second + 1000}`);
    expect(tooLarge.status).toBe(422);
    expect(await tooLarge.json()).toMatchObject({ detail: 'size must be at most the tree size' });
  });

  test('an item’s events below an index, in order, and nothing of another item', async () => {
    const [row] = await ctx.orm.em.fork().execute<{ id: string }[]>('select id from items where code = ?', [moved]);
    const res = await as(ctx, world.people.inspector).get(`/ledger/events?item=${row!.id}&before=${first}`);
    expect(res.status).toBe(200);
    const events = (res.body.events as { index: number; canonical: string }[]).map((e) => ({
      index: e.index,
      ...(JSON.parse(e.canonical) as { itemId: string; itemSeq: string }),
    }));
    expect(events.map((e) => e.itemSeq)).toEqual(['1', '2', '3']);
    expect(events.every((e) => e.itemId === row!.id && e.index < first)).toBe(true);
    expect((await as(ctx, world.people.inspector).get('/ledger/events?item=not-a-uuid')).status).toBe(400);
  });
});

describe('verify --all --since', () => {
  test('checks the new events and the changed items’ earlier ones, and says what it did not read again', async () => {
    const result = await verifyLogSince(base, token(), logKey, first, false);
    expect(result).toMatchObject({ ok: true, size: second });
    // The move, and the new item's registration; the moved item's three earlier events, fetched for its chain.
    expect(result.detail).toContain(`${second - first} events after the checkpoint of ${first}`);
    expect(result.detail).toContain('3 earlier events of the 2 items');
    expect(result.detail).toContain(`were not read again`);
    expect(result.detail).toContain(`Next time: --since ${second}`);
  });

  test('from the command line, with a size no checkpoint was signed at refused', async () => {
    const cli = (since: number) =>
      run(
        path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'),
        [
          'src/cli/verify.ts',
          '--all',
          '--server',
          base,
          '--token',
          token(),
          '--log-key',
          formatVerifierKey(logKey),
          '--since',
          String(since),
        ],
        { cwd: path.join(__dirname, '..') },
      ).catch((err: { code: number; stdout: string }) => err);
    const good = await cli(first);
    expect(good).toMatchObject({ stdout: expect.stringMatching(/^VERIFIED: \d+ events after the checkpoint/) });
    const bad = await cli(first - 1);
    expect(bad).toMatchObject({
      code: 1,
      stdout: `FAILED: the log signed no checkpoint of ${first - 1} events to start from\n`,
    });
  });

  test('an edited event before the checkpoint: caught when its item changed since, left to the full verification when not', async () => {
    const sql = new pg.Client({ connectionString: ctx.url });
    await sql.connect();
    // As the database's owner could: the item's first event's text, and nothing else.
    const edit = async (code: string) => {
      const { rows } = await sql.query<{ idx: string; canonical: string }>(
        `select e.idx, e.canonical from ledger_events e join items i on i.id = e.item_id
          where i.code = $1 and e.item_seq = 1`,
        [code],
      );
      const canonical = rows[0]!.canonical.replace('账本', '空白');
      await sql.query('alter table ledger_events disable trigger ledger_events_append_only');
      await sql.query('update ledger_events set canonical = $1 where idx = $2', [canonical, rows[0]!.idx]);
      await sql.query('alter table ledger_events enable always trigger ledger_events_append_only');
      return Number(rows[0]!.idx);
    };
    try {
      const untouchedIdx = await edit(untouched);
      expect(await verifyLogSince(base, token(), logKey, first, false)).toMatchObject({ ok: true });
      expect(await verifyWholeLog(base, token(), logKey, false)).toMatchObject({ ok: false });
      expect(untouchedIdx).toBeLessThan(first);

      const movedIdx = await edit(moved);
      const since = await verifyLogSince(base, token(), logKey, first, false);
      expect(since).toMatchObject({ ok: false });
      // The moved item's next event no longer chains to the edited one.
      expect(since.detail).toMatch(new RegExp(`^event \\d+ \\(before ${first}\\): the event does not chain`));
      expect(movedIdx).toBeLessThan(first);
    } finally {
      await sql.end();
    }
  });
});
