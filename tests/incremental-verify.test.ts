import { createHash } from 'node:crypto';
import pg from 'pg';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, phone, received, register, type World } from './world';
import { signCheckpoint } from '../src/custody/ledger/checkpoints';
import { verifyWhenDue } from '../src/custody/ledger/verify/record';
import { TILE_LEVEL } from '../src/custody/ledger/tree-store';

/**
 * Incremental verification (issue 18): from the checkpoint the last passing verification ended at, only
 * what was appended since, and the items rows it touched; recorded, and raising an alert when it fails.
 */
let ctx: TestContext;
let world: World;
let sql: pg.Client;

beforeAll(async () => {
  ctx = await createTestContext();
  world = await buildWorld(ctx);
  sql = new pg.Client({ connectionString: ctx.url });
  await sql.connect();
});
afterAll(async () => {
  await sql.end();
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
});

const inspector = () => as(ctx, world.people.inspector);
const verify = async (query = '') => {
  const res = await inspector().get(`/ledger/verify${query}`);
  expect(res.status).toBe(200);
  return res.body as {
    ok: boolean;
    size: number;
    since: number | null;
    eventsChecked: number;
    itemsChecked: number;
    checkpoint: number | null;
    notCovered: string | null;
    failure: { index: number | null; itemCode: string | null; reason: string } | null;
  };
};
const headSize = async () => Number((await sql.query('select size from ledger_head')).rows[0].size);
const checkpoint = async () => (await signCheckpoint(ctx.orm.em.fork(), ctx.ledger))!;
const openFailureAlerts = async () =>
  (await sql.query(`select message from alerts where kind = 'ledger_verification_failed' and status = 'open'`)).rows;

/** Changes the ledger behind the server's back (as its owner, its triggers off), runs `check`, then undoes it. */
async function whileTampered<T>(statement: string, undo: string, params: unknown[], check: () => Promise<T>) {
  const run = async (text: string) => {
    await sql.query('begin');
    await sql.query('alter table ledger_events disable trigger all');
    await sql.query(text, params);
    await sql.query('alter table ledger_events enable trigger all');
    await sql.query('commit');
  };
  await run(statement);
  try {
    return await check();
  } finally {
    await run(undo);
  }
}

let base: number;
let untouched: string;

test('with no verification on record, since=last verifies in full, and records the checkpoint it ended at', async () => {
  untouched = (await register(ctx, world, [{ ...phone, description: '不再变动的财物' }]))[0]!;
  await received(ctx, world, 3);
  base = (await checkpoint()).size;
  await register(ctx, world); // after the checkpoint: verified, but not a place to start from
  const full = await verify('?since=last');
  expect(full).toMatchObject({ ok: true, since: null, notCovered: null, checkpoint: base, size: base + 1 });
  expect(full.eventsChecked).toBe(full.size);
  const [recorded] = (
    await sql.query(`select trigger, ok, since, checkpoint, requested_by from ledger_verifications order by id`)
  ).rows;
  expect(recorded).toMatchObject({ trigger: 'request', ok: true, since: null, checkpoint: String(base) });
  expect(recorded.requested_by).toBe(world.people.inspector.user.id);
});

test('since=last reads only the events after that checkpoint and the items they touched', async () => {
  const [moved] = await received(ctx, world);
  const later = (await checkpoint()).size;
  const result = await verify('?since=last');
  const size = await headSize();
  expect(result).toMatchObject({ ok: true, since: base, size, checkpoint: later, failure: null });
  expect(result.eventsChecked).toBe(size - base);
  // The item registered after the first checkpoint and the one received since: not the others.
  expect(result.itemsChecked).toBe(2);
  expect(result.notCovered).toMatch(new RegExp(`the ${base} events up to the checkpoint`));
  expect(moved).toBeDefined();
  // The next one starts where this one ended.
  expect((await verify('?since=last')).since).toBe(later);
  base = later;
});

test('an event before the checkpoint edited: the full verification names it, the incremental one says it did not read it', async () => {
  const [{ idx }] = (
    await sql.query(
      `select min(e.idx) as idx from ledger_events e join items i on i.id = e.item_id where i.code = $1`,
      [untouched],
    )
  ).rows;
  const edit = (from: string, to: string) =>
    `update ledger_events set canonical = replace(canonical, '${from}', '${to}') where idx = $1`;
  await whileTampered(
    edit('不再变动的财物', '已被改写的财物'),
    edit('已被改写的财物', '不再变动的财物'),
    [idx],
    async () => {
      const incremental = await verify('?since=last');
      expect(incremental).toMatchObject({ ok: true, since: base });
      expect(incremental.notCovered).toMatch(/an edit to another event before it.* is found by a full verification/);
      const full = await verify();
      expect(full).toMatchObject({
        ok: false,
        failure: { index: Number(idx), itemCode: untouched, reason: expect.stringMatching(/leaf hash does not match/) },
      });
    },
  );
  // The failed full verification raised an alert; since=last still starts from the last one that passed.
  expect(await openFailureAlerts()).toEqual([
    { message: expect.stringMatching(new RegExp(`^the ledger's full verification failed at event ${idx}`)) },
  ]);
  expect((await verify('?since=last')).since).toBe(base);
});

test('an event after the checkpoint edited, or an items row it touched changed, fails the incremental one; one alert stays open', async () => {
  const [code] = await received(ctx, world);
  const [{ idx }] = (
    await sql.query(
      `select max(e.idx) as idx from ledger_events e join items i on i.id = e.item_id where i.code = $1`,
      [code],
    )
  ).rows;
  expect(Number(idx)).toBeGreaterThanOrEqual(base);
  const edited = await whileTampered(
    `update ledger_events set canonical = canonical || ' ' where idx = $1`,
    `update ledger_events set canonical = rtrim(canonical, ' ') where idx = $1`,
    [idx],
    () => verify('?since=last'),
  );
  expect(edited).toMatchObject({
    ok: false,
    since: base,
    failure: { index: Number(idx), itemCode: code, reason: expect.stringMatching(/leaf hash does not match/) },
  });

  await sql.query(`update items set quantity = quantity + 1 where code = $1`, [code]);
  const row = await verify('?since=last');
  await sql.query(`update items set quantity = quantity - 1 where code = $1`, [code]);
  expect(row.failure).toMatchObject({
    index: null,
    itemCode: code,
    reason: expect.stringMatching(/differs from the ledger’s replay in quantity/),
  });
  expect(await openFailureAlerts()).toHaveLength(1);
  expect((await verify('?since=last')).ok).toBe(true);
});

test('a checkpoint whose stored tree below it was changed is refused as a place to start', async () => {
  // The checkpoint's root is rebuilt from its frontier, whose largest part covers the first 2^level events:
  // a stored node from 16 events on, below that the leaves themselves.
  const level = Math.floor(Math.log2(base));
  const [table, column, where] =
    level >= TILE_LEVEL
      ? ['merkle_nodes', 'hash', `level = ${level} and idx = 0`]
      : ['ledger_events', 'leaf_hash', 'idx = 0'];
  const [{ hash }] = (await sql.query(`select ${column} as hash from ${table} where ${where}`)).rows;
  const setHash = async (to: Buffer) => {
    await sql.query('begin');
    await sql.query(`alter table ${table} disable trigger all`);
    await sql.query(`update ${table} set ${column} = $1 where ${where}`, [to]);
    await sql.query(`alter table ${table} enable trigger all`);
    await sql.query('commit');
  };
  await setHash(createHash('sha256').update(hash).digest());
  try {
    const result = await verify('?since=last');
    expect(result).toMatchObject({ ok: false, since: base });
    expect(result.failure!.reason).toMatch(/history was rewritten; the stored tree below it cannot be trusted/);
  } finally {
    await setHash(hash);
  }
});

test('the periodic verification runs once per interval, on one instance, and raises the alert when it fails', async () => {
  await sql.query(
    `update alerts set status = 'resolved', resolved_at = now() where kind = 'ledger_verification_failed'`,
  );
  const first = await verifyWhenDue(ctx.orm.em.fork(), 3600, ctx.ledger.signer);
  expect(first).toMatchObject({ ok: true, since: base });
  expect(await verifyWhenDue(ctx.orm.em.fork(), 3600, ctx.ledger.signer)).toBeNull();

  // Another instance holding the run's lock: this one leaves it to that one.
  const other = new pg.Client({ connectionString: ctx.url });
  await other.connect();
  await other.query(`select pg_advisory_lock(hashtext('custody.verification'))`);
  expect(await verifyWhenDue(ctx.orm.em.fork(), 0, ctx.ledger.signer)).toBeNull();
  await other.end();

  const [code] = await register(ctx, world);
  const failed = await whileTampered(
    `update ledger_events set canonical = canonical || ' ' where idx = (select max(idx) from ledger_events)`,
    `update ledger_events set canonical = rtrim(canonical, ' ') where idx = (select max(idx) from ledger_events)`,
    [],
    () => verifyWhenDue(ctx.orm.em.fork(), 0, ctx.ledger.signer),
  );
  expect(failed).toMatchObject({ ok: false, failure: { reason: expect.stringMatching(/leaf hash/) } });
  const alerts = await inspector().get('/alerts?kind=ledger_verification_failed');
  expect(alerts.body.items).toEqual([
    expect.objectContaining({
      itemCode: code,
      message: expect.stringMatching(new RegExp(`^the ledger's verification since checkpoint ${base} failed at event`)),
    }),
  ]);
  const runs = (await sql.query(`select trigger, ok from ledger_verifications where trigger = 'daily' order by id`))
    .rows;
  expect(runs).toEqual([
    { trigger: 'daily', ok: true },
    { trigger: 'daily', ok: false },
  ]);
});

test('a since that is not "last" is refused with a problem naming it', async () => {
  const res = await inspector().get('/ledger/verify?since=0');
  expect(res.status).toBe(400);
  expect(res.body.errors[0]).toMatchObject({ in: 'query', field: 'since' });
  expect((await as(ctx, world.people.officer).get('/ledger/verify?since=last')).status).toBe(403);
});
