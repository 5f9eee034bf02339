import { raiseDueAlerts } from '../src/custody/items/alerts';
import type { TestContext } from './context';
import { countTables } from './count-tables';
import { as, credentialsOf, phone, received, register, setUpWorld, stored, type World } from './world';

/**
 * The dashboard reads counts that triggers keep as the items, alerts and ledger change (issue 18). After
 * every kind of command that changes what they count, each count table must be what the rows give when
 * counted whole, and a command that fails must leave them as they were.
 */
let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]));

const DAY = 86_400_000;
async function expectExact(): Promise<Record<string, string[]>> {
  const kept = await countTables(ctx.orm.em.fork(), 'kept');
  expect(kept).toEqual(await countTables(ctx.orm.em.fork(), 'counted'));
  return kept;
}

const dashboardOf = async (who: keyof World['people']) => {
  const res = await as(ctx, world.people[who]).get('/dashboard?timeZone=Asia%2FShanghai');
  expect(res.status).toBe(200);
  return res.body as {
    total: number;
    byState: { state: string; count: number }[];
    weeks: { registered: number; checkedIn: number; disposed: number }[];
    zones: { code: string; items: number }[];
    dueReviews: number;
    openAlerts: { total: number } | null;
  };
};
const stateCount = (d: Awaited<ReturnType<typeof dashboardOf>>, state: string) =>
  d.byState.find((s) => s.state === state)!.count;
const zone = (d: Awaited<ReturnType<typeof dashboardOf>>, code: string) =>
  d.zones.find((z) => z.code === world.loc(code))!.items;
const sum = (d: Awaited<ReturnType<typeof dashboardOf>>, key: 'registered' | 'checkedIn' | 'disposed') =>
  d.weeks.reduce((total, w) => total + w[key], 0);

/** Files a request as `by` and has the police's approver approve it. */
async function approved(body: object, by: keyof World['people'] = 'officer'): Promise<string> {
  const filed = await as(ctx, world.people[by]).post('/requests', body);
  expect(filed.status).toBe(201);
  expect((await as(ctx, world.people.approver).post(`/requests/${filed.body.id}/approve`, {})).status).toBe(200);
  return filed.body.id;
}

describe('the counts stay those of the rows after each kind of command', () => {
  // An item followed through its life, and a second one that is disposed of.
  let code: string;
  let other: string;
  const warehouse = () => as(ctx, world.people.warehouse);

  test('a registration counts the items, their seizure week and review date, for the centre and the agency', async () => {
    const before = await dashboardOf('officer');
    const codes = await register(ctx, world, [
      { ...phone, seizedAt: new Date(Date.now() - 3 * DAY).toISOString() },
      { ...phone, seizedAt: new Date(Date.now() - 3 * DAY).toISOString() },
    ]);
    [code, other] = [codes[0]!, codes[1]!];
    await expectExact();
    const after = await dashboardOf('officer');
    expect(after.total).toBe(before.total + 2);
    expect(stateCount(after, 'registered')).toBe(stateCount(before, 'registered') + 2);
    expect(sum(after, 'registered')).toBe(sum(before, 'registered') + 2);
  });

  test('a hand-over and a check-in count the item stored, in its zone, and the check-in in its week', async () => {
    const handover = await warehouse().post('/handovers', {
      itemCodes: [code, other],
      handedOverBy: credentialsOf(world.people.officer),
    });
    expect(handover.status).toBe(201);
    await expectExact();
    const before = await dashboardOf('warehouse');
    for (const item of [code, other]) {
      expect((await warehouse().post(`/items/${item}/check-in`, { locationCode: world.loc('SHELF-1') })).status).toBe(
        200,
      );
    }
    await expectExact();
    const after = await dashboardOf('warehouse');
    expect(zone(after, 'ZONE-P')).toBe(zone(before, 'ZONE-P') + 2);
    expect(sum(after, 'checkedIn')).toBe(sum(before, 'checkedIn') + 2);
  });

  test('a move changes the places the item is under', async () => {
    expect((await warehouse().post(`/items/${code}/move`, { locationCode: world.loc('SHELF-2') })).status).toBe(200);
    await expectExact();
  });

  test('a loan takes the item out of its zone, and a return with another seal raises a counted alert', async () => {
    const before = await dashboardOf('warehouse');
    const loan = await approved({
      kind: 'loan',
      itemCodes: [code],
      reason: '送检',
      borrower: '市物证鉴定所',
      purpose: 'lab',
      dueAt: new Date(Date.now() + DAY).toISOString(),
    });
    expect((await warehouse().post(`/items/${code}/check-out`, { requestId: loan, condition: '完好' })).status).toBe(
      200,
    );
    await expectExact();
    const out = await dashboardOf('warehouse');
    expect(zone(out, 'ZONE-P')).toBe(zone(before, 'ZONE-P') - 1);
    expect(stateCount(out, 'on_loan')).toBe(stateCount(before, 'on_loan') + 1);
    const back = await warehouse().post(`/items/${code}/return`, {
      locationCode: world.loc('SHELF-1'),
      condition: '封签已更换',
      sealNumber: 'LAB-01',
    });
    expect(back.status).toBe(200);
    await expectExact();
    expect((await dashboardOf('warehouse')).openAlerts!.total).toBe(before.openAlerts!.total + 1);
  });

  test('corrections of the seizure time and the category, and a new review date', async () => {
    const [registration] = (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items;
    const correct = (changes: object) =>
      as(ctx, world.people.officer).post(`/items/${code}/corrections`, {
        correctsIndex: registration.index,
        changes,
        note: '登记有误',
      });
    // Back past the twelve weeks: no longer counted in any.
    const before = await dashboardOf('officer');
    expect((await correct({ seizedAt: new Date(Date.now() - 200 * DAY).toISOString() })).status).toBe(201);
    await expectExact();
    expect(sum(await dashboardOf('officer'), 'registered')).toBe(sum(before, 'registered') - 1);
    const filed = await correct({ category: 'other' });
    expect(filed.status).toBe(202);
    const decided = await as(ctx, world.people.approver).post(`/requests/${filed.body.requestId}/approve`, {});
    expect(decided.status).toBe(200);
    await expectExact();
    const review = await as(ctx, world.people.approver).post(`/items/${code}/review-date`, {
      reviewDate: '2020-01-01',
      reason: '复核期限调整',
    });
    expect(review.status).toBe(200);
    await expectExact();
    expect((await dashboardOf('officer')).dueReviews).toBe(before.dueReviews + 1);
  });

  test('due alerts raised and one resolved', async () => {
    expect((await raiseDueAlerts(ctx.orm.em.fork())).raised).toBeGreaterThan(0);
    await expectExact();
    const before = await dashboardOf('warehouse');
    const open = await warehouse().get('/alerts?limit=1');
    const resolved = await warehouse().post(`/alerts/${open.body.items[0].id}/resolve`, { note: '已核实' });
    expect(resolved.status).toBe(200);
    await expectExact();
    expect((await dashboardOf('warehouse')).openAlerts!.total).toBe(before.openAlerts!.total - 1);
  });

  test('a transfer of legal custody: the new agency counts the item, its past check-in and its alerts', async () => {
    const before = await dashboardOf('procClerk');
    const transfer = await approved({
      kind: 'transfer',
      itemCodes: [code],
      reason: '移送审查起诉',
      toAgencyCode: world.agencies.procuratorate.code,
    });
    expect((await as(ctx, world.people.procClerk).post(`/requests/${transfer}/accept`, {})).status).toBe(200);
    await expectExact();
    const after = await dashboardOf('procClerk');
    expect(after.total).toBe(before.total + 1);
    expect(sum(after, 'checkedIn')).toBe(sum(before, 'checkedIn') + 1);
  });

  test('a disposal counts the item disposed of, out of its place and its review', async () => {
    const before = await dashboardOf('warehouse');
    const disposal = await approved({
      kind: 'disposal',
      itemCodes: [other],
      reason: '判决发还',
      method: 'returned_to_owner',
      orderReference: '东法刑[2026]34号',
    });
    expect((await warehouse().post(`/items/${other}/dispose`, { requestId: disposal })).status).toBe(200);
    await expectExact();
    const after = await dashboardOf('warehouse');
    expect(stateCount(after, 'disposed')).toBe(stateCount(before, 'disposed') + 1);
    expect(zone(after, 'ZONE-P')).toBe(zone(before, 'ZONE-P') - 1);
    expect(sum(after, 'disposed')).toBe(sum(before, 'disposed') + 1);
  });
});

describe('a command that fails changes no count', () => {
  test('refused by the rules (a full place)', async () => {
    const [taker, late] = await received(ctx, world, 2);
    expect(
      (await as(ctx, world.people.warehouse).post(`/items/${taker}/check-in`, { locationCode: world.loc('BIN-S') }))
        .status,
    ).toBe(200);
    const before = await expectExact();
    const refused = await as(ctx, world.people.warehouse).post(`/items/${late}/check-in`, {
      locationCode: world.loc('BIN-S'),
    });
    expect(refused.status).toBe(422);
    expect(await expectExact()).toEqual(before);
  });

  test('failing at its commit, after its events and counts were written: all of it rolled back', async () => {
    const [code] = await stored(ctx, world);
    const before = await expectExact();
    const em = ctx.orm.em.fork();
    // Deferred to the commit, so it fails after the append and the counts' triggers have run.
    await em.execute(`create function refuse_at_commit() returns trigger language plpgsql as $$
      begin if new.code = '${code}' then raise exception 'refused at commit by the test trigger'; end if; return null; end $$`);
    await em.execute(`create constraint trigger refuse_at_commit after update on items deferrable initially deferred
      for each row execute function refuse_at_commit()`);
    try {
      const moved = await as(ctx, world.people.warehouse).post(`/items/${code}/move`, {
        locationCode: world.loc('SHELF-2'),
      });
      expect(moved.status).toBe(500);
    } finally {
      await em.execute('drop trigger refuse_at_commit on items');
      await em.execute('drop function refuse_at_commit');
    }
    expect(await expectExact()).toEqual(before);
    // The 500 was logged as the unexpected error it is; it is this test's, not a defect.
    const expected = ctx.logs.filter(
      (line) => line.includes('refused at commit') || line.includes(`/items/${code}/move`),
    );
    expect(expected.length).toBeGreaterThan(0);
    ctx.logs.splice(0, ctx.logs.length, ...ctx.logs.filter((line) => !expected.includes(line)));
  });
});
