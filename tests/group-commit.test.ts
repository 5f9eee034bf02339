import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestContext } from './context';
import { as, credentialsOf, phone, received, register, setUpWorld, type World } from './world';
import { loadCaller } from '../src/custody/directory/caller';
import { GroupCommit } from '../src/custody/items/group-commit';
import { checkInPlacement, movePlacement } from '../src/custody/items/movements';
import { verifyLedger } from '../src/custody/ledger/verify/verify';

// Check-ins and moves sent together share transactions (GroupCommit). Sent concurrently here so that
// batches form; each test checks what every command answered against what the ledger holds.
let ctx: TestContext;
let world: World;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-group-commit-'));
setUpWorld((c, w) => ((ctx = c), (world = w)), { CUSTODY_DATA_DIR: dataDir });
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

interface LedgerRow {
  idx: string;
  code: string;
  type: string;
  recorded_at: string;
}

async function eventsOf(codes: string[]): Promise<LedgerRow[]> {
  return ctx.orm.em.fork().execute<LedgerRow[]>(
    `select e.idx, i.code, e.type, e.recorded_at::text from ledger_events e join items i on i.id = e.item_id
      where i.code = any (?::text[]) and e.type in ('check_in', 'move') order by e.idx`,
    [`{${codes.join(',')}}`],
  );
}

/** How many commands the largest batch among `rows` held: a batch's events share one recorded time. */
function largestBatch(rows: LedgerRow[]): number {
  const sizes = new Map<string, number>();
  for (const row of rows) sizes.set(row.recorded_at, (sizes.get(row.recorded_at) ?? 0) + 1);
  return Math.max(...sizes.values());
}

test('concurrent check-ins commit together; each answers what the item now is, refused ones append nothing', async () => {
  const warehouse = as(ctx, world.people.warehouse);
  const good = await received(ctx, world, 30);
  const [unreceived] = await register(ctx, world);
  const [foreignZone, noSuchPlace] = await received(ctx, world, 2);
  const sent = [
    ...good.map((code) => ({ code, to: world.loc(good.indexOf(code) % 2 ? 'SHELF-1' : 'SHELF-2') })),
    { code: unreceived!, to: world.loc('SHELF-1') },
    { code: foreignZone!, to: world.loc('ROOM-X') },
    { code: noSuchPlace!, to: world.loc('NOWHERE') },
    { code: 'ZZZZZZZZZZZ0', to: world.loc('SHELF-1') },
  ];
  const answers = await Promise.all(
    sent.map(({ code, to }) => warehouse.post(`/items/${code}/check-in`, { locationCode: to })),
  );

  for (const [i, code] of good.entries()) {
    expect(answers[i]!.status).toBe(200);
    const now = await warehouse.get(`/items/${code}`);
    // A command answers the item; only reading it lists its photographs besides.
    const { photos, ...item } = now.body;
    expect(photos).toEqual([]);
    expect(answers[i]!.body.item).toEqual(item);
    expect(now.body).toMatchObject({ state: 'stored', locationCode: sent[i]!.to, holderUsername: null });
  }
  const refusals = answers.slice(good.length).map((res) => ({ status: res.status, detail: res.body.detail }));
  expect(refusals).toEqual([
    { status: 409, detail: expect.stringMatching(/is registered: check_in is not allowed/) },
    { status: 422, detail: expect.stringMatching(/is reserved for items of/) },
    { status: 422, detail: expect.stringMatching(/location .*NOWHERE.* does not exist/) },
    { status: expect.any(Number), detail: expect.stringMatching(/ZZZZZZZZZZZ0|item code/i) },
  ]);
  expect(refusals[3]!.status).toBeGreaterThanOrEqual(400);

  const rows = await eventsOf([...good, unreceived!, foreignZone!, noSuchPlace!]);
  expect(rows.map((row) => row.code).sort()).toEqual([...good].sort());
  expect(new Set(answers.slice(0, good.length).map((res) => res.body.event.index))).toEqual(
    new Set(rows.map((row) => Number(row.idx))),
  );
  expect(largestBatch(rows)).toBeGreaterThan(1);
  expect(await verifyLedger(ctx.orm.em.fork())).toMatchObject({ ok: true, failure: null });
});

test('commands on one item in one batch run one after the other, each seeing the one before', async () => {
  // Through GroupCommit itself, so that the order the commands arrive in is the order they are sent in.
  const placements = new GroupCommit(ctx.orm);
  const caller = (await loadCaller(ctx.orm.em.fork(), { id: world.people.warehouse.user.id }))!;
  const [code, other] = await received(ctx, world, 2);
  const to = (shelf: string) => ({ locationCode: world.loc(shelf) });
  const outcomes = await Promise.all([
    placements.place(caller, checkInPlacement(caller, code!, to('SHELF-1'))),
    placements.place(caller, checkInPlacement(caller, other!, to('SHELF-1'))),
    placements.place(caller, movePlacement(caller, code!, to('SHELF-2'))),
    placements.place(caller, movePlacement(caller, code!, to('SHELF-1'))),
  ]);
  expect(outcomes.map((o) => [o.item.code, o.event.envelope.type, o.item.locationCode])).toEqual([
    [code, 'check_in', world.loc('SHELF-1')],
    [other, 'check_in', world.loc('SHELF-1')],
    [code, 'move', world.loc('SHELF-2')],
    [code, 'move', world.loc('SHELF-1')],
  ]);
  const chain = outcomes.filter((o) => o.item.code === code);
  for (let i = 1; i < chain.length; i++)
    expect(chain[i]!.event.envelope.prevItemHash).toBe(chain[i - 1]!.event.leafHash);
  expect(chain.map((o) => o.event.index)).toEqual([...chain.map((o) => o.event.index)].sort((a, b) => a - b));
  expect((await eventsOf([code!])).map((row) => Number(row.idx))).toEqual(chain.map((o) => o.event.index));
});

test('a location with room for two takes exactly two of the check-ins sent to it in one batch', async () => {
  const created = await as(ctx, world.people.admin).post('/locations', {
    code: world.loc('BIN-2'),
    name: 'Bin for two',
    kind: 'bin',
    parentCode: world.loc('SHELF-2'),
    capacity: 2,
  });
  expect(created.status).toBe(201);
  const placements = new GroupCommit(ctx.orm);
  const caller = (await loadCaller(ctx.orm.em.fork(), { id: world.people.warehouse.user.id }))!;
  const [first, ...codes] = await received(ctx, world, 6);
  // The first runs alone while the others queue, so those five go in one batch.
  const outcomes = await Promise.allSettled([
    placements.place(caller, checkInPlacement(caller, first!, { locationCode: world.loc('SHELF-2') })),
    ...codes.map((code) =>
      placements.place(caller, checkInPlacement(caller, code, { locationCode: world.loc('BIN-2') })),
    ),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual([
    'fulfilled',
    'fulfilled',
    'fulfilled',
    'rejected',
    'rejected',
    'rejected',
  ]);
  for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
    expect(String(outcome.reason)).toMatch(/is full \(capacity 2\)/);
  }
  const rows = await eventsOf(codes);
  expect(rows.map((row) => row.code)).toEqual(codes.slice(0, 2));
  expect(largestBatch(rows)).toBe(2);
});

test('room is counted after the location is locked, so a place taken while waiting for the lock counts', async () => {
  const created = await as(ctx, world.people.admin).post('/locations', {
    code: world.loc('BIN-W'),
    name: 'Bin for one',
    kind: 'bin',
    parentCode: world.loc('SHELF-2'),
    capacity: 1,
  });
  expect(created.status).toBe(201);
  const [taker, late] = await received(ctx, world, 2);
  // Another transaction holds the bin's lock and puts an item in it; the check-in waits for that lock.
  // (The item is put there behind the ledger's back and put back after: only the count matters here.)
  const holder = new pg.Client({ connectionString: ctx.url });
  await holder.connect();
  const before = (await holder.query(`select state, location_id from items where code = $1`, [taker])).rows[0];
  try {
    await holder.query('begin');
    const {
      rows: [bin],
    } = await holder.query(`select id from locations where code = $1 for update`, [world.loc('BIN-W')]);
    await holder.query(`update items set state = 'stored', location_id = $1 where code = $2`, [bin.id, taker]);
    const checkIn = as(ctx, world.people.warehouse)
      .post(`/items/${late}/check-in`, { locationCode: world.loc('BIN-W') })
      .then((res) => res);
    await waitUntil(
      async () =>
        (
          await ctx.orm.em
            .fork()
            .execute<{ n: string }[]>(
              `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
            )
        )[0]!.n !== '0',
    );
    await holder.query('commit');
    const res = await checkIn;
    expect({ status: res.status, detail: res.body.detail }).toEqual({
      status: 422,
      detail: expect.stringMatching(/is full \(capacity 1\)/),
    });
    expect(await eventsOf([late!])).toHaveLength(0);
  } finally {
    await holder.query(`update items set state = $1, location_id = $2 where code = $3`, [
      before.state,
      before.location_id,
      taker,
    ]);
    await holder.end();
  }
});

test('an item changed by another transaction while the batch waited for its lock is read as it is now', async () => {
  expect(
    (
      await as(ctx, world.people.admin).post('/locations', {
        code: world.loc('ROOM-G'),
        name: 'General room',
        kind: 'room',
        parentCode: world.loc('ZONE-G'),
      })
    ).status,
  ).toBe(201);
  const [code] = await received(ctx, world, 1);
  expect(
    (await as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, { locationCode: world.loc('SHELF-1') }))
      .status,
  ).toBe(200);
  // Another transaction holds the item's lock and changes a column the batch's reads join on (its owning
  // agency; set behind the ledger's back and put back after). The move waits for that lock.
  const holder = new pg.Client({ connectionString: ctx.url });
  await holder.connect();
  const {
    rows: [before],
  } = await holder.query(`select owning_agency_id from items where code = $1`, [code]);
  try {
    await holder.query('begin');
    await holder.query(`update items set owning_agency_id = $1 where code = $2`, [
      world.agencies.procuratorate.id,
      code,
    ]);
    const move = as(ctx, world.people.warehouse)
      .post(`/items/${code}/move`, { locationCode: world.loc('ROOM-G') })
      .then((res) => res);
    await waitUntil(
      async () =>
        (
          await ctx.orm.em
            .fork()
            .execute<{ n: string }[]>(
              `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
            )
        )[0]!.n !== '0',
    );
    await holder.query('commit');
    const res = await move;
    expect(res.status).toBe(200);
    expect(res.body.item).toMatchObject({
      code,
      locationCode: world.loc('ROOM-G'),
      owningAgencyCode: world.agencies.procuratorate.code,
    });
  } finally {
    await holder.query(`update items set owning_agency_id = $1 where code = $2`, [before.owning_agency_id, code]);
    await holder.end();
  }
});

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; !(await condition()); i++) {
    if (i > 200) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('a database error in one command of a batch fails that command alone; the others commit', async () => {
  const warehouse = as(ctx, world.people.warehouse);
  const codes = await received(ctx, world, 8);
  const doomed = codes[3]!;
  const em = ctx.orm.em.fork();
  // A statement error only PostgreSQL can raise (the rules pass): a trigger refusing one item's update.
  await em.execute(`create function refuse_doomed() returns trigger language plpgsql as $$
    begin if new.code = '${doomed}' and new.state = 'stored' then raise exception 'doomed item refused by the test trigger'; end if; return new; end $$`);
  await em.execute(`create trigger refuse_doomed before update on items for each row execute function refuse_doomed()`);
  try {
    const answers = await Promise.all(
      codes.map((code) => warehouse.post(`/items/${code}/check-in`, { locationCode: world.loc('SHELF-2') })),
    );
    expect(answers.map((res) => res.status)).toEqual(codes.map((code) => (code === doomed ? 500 : 200)));
    expect((await eventsOf(codes)).map((row) => row.code).sort()).toEqual(
      codes.filter((code) => code !== doomed).sort(),
    );
    expect((await warehouse.get(`/items/${doomed}`)).body.state).toBe('received');
  } finally {
    await em.execute('drop trigger refuse_doomed on items');
    await em.execute('drop function refuse_doomed');
  }
  // The 500 was logged as the unexpected error it is (and its request as failed); it is this test's, not a defect.
  const expected = ctx.logs.filter(
    (line) => line.includes('doomed item refused by the test trigger') || line.includes(`/items/${doomed}/check-in`),
  );
  expect(expected.length).toBeGreaterThan(0);
  ctx.logs.splice(0, ctx.logs.length, ...ctx.logs.filter((line) => !expected.includes(line)));
  expect(await verifyLedger(ctx.orm.em.fork())).toMatchObject({ ok: true, failure: null });
});

test('Idempotency-Keys of commands committed in one batch are all marked carried out, and retries replay', async () => {
  const warehouse = as(ctx, world.people.warehouse);
  const codes = await received(ctx, world, 10);
  const send = (code: string) =>
    warehouse
      .post(`/items/${code}/check-in`, { locationCode: world.loc('SHELF-2') })
      .set('Idempotency-Key', `batch-${code}`);
  const first = await Promise.all(codes.map(send));
  expect(first.map((res) => res.status)).toEqual(codes.map(() => 200));
  const marks = await ctx.orm.em
    .fork()
    .execute<{ carried_out: boolean }[]>('select carried_out from idempotency_keys where key = any (?::text[])', [
      `{${codes.map((c) => `batch-${c}`).join(',')}}`,
    ]);
  expect(marks.map((m) => m.carried_out)).toEqual(codes.map(() => true));
  const retries = await Promise.all(codes.map(send));
  expect(retries.map((res) => res.headers['idempotent-replayed'])).toEqual(codes.map(() => 'true'));
  expect(retries.map((res) => res.body)).toEqual(first.map((res) => res.body));
  expect(await eventsOf(codes)).toHaveLength(codes.length);
});

test('valuables need a photo in a batch too', async () => {
  const warehouse = as(ctx, world.people.warehouse);
  const valuables = { ...phone, category: 'valuables', description: '金项链一条' };
  const codes = await register(ctx, world, [valuables, valuables]);
  expect(
    (await warehouse.post('/handovers', { itemCodes: codes, handedOverBy: credentialsOf(world.people.officer) }))
      .status,
  ).toBe(201);
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f00050001ff56c72f0d0000000049454e44ae426082',
    'hex',
  );
  expect((await warehouse.upload(`/items/${codes[0]}/attachments?filename=front.png`, 'image/png', png)).status).toBe(
    201,
  );
  const checkIn = { locationCode: world.loc('SAFE'), witness: credentialsOf(world.people.warehouse2) };
  const [withPhoto, without] = await Promise.all(
    codes.map((code) => warehouse.post(`/items/${code}/check-in`, checkIn)),
  );
  expect(withPhoto!.status).toBe(200);
  expect({ status: without!.status, detail: without!.body.detail }).toEqual({
    status: 422,
    detail: expect.stringMatching(/must be photographed/),
  });
  expect((await eventsOf(codes)).map((row) => row.code)).toEqual([codes[0]]);
});
