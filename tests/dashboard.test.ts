import request from 'supertest';
import { raiseDueAlerts } from '../src/custody/items/alerts';
import { dashboard } from '../src/custody/items/dashboard';
import { loadCaller } from '../src/custody/directory/caller';
import { ValidationError } from '../src/errors';
import type { TestContext } from './context';
import { as, credentialsOf, phone, register, setUpWorld, stored, type Actor, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Dashboard = {
  scope: string;
  total: number;
  byState: { state: string; count: number }[];
  byAgency: { code: string; name: string; count: number }[];
  weeks: { week: string; from: string; to: string; registered: number; checkedIn: number; disposed: number }[];
  zones: { code: string; name: string; capacity: number | null; items: number }[];
  overdueLoans: number;
  dueReviews: number;
  openAlerts: { total: number; byKind: { kind: string; count: number }[] } | null;
};

async function dashboardOf(who: Actor, query = ''): Promise<Dashboard> {
  const res = await as(ctx, who).get(`/dashboard${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function totalOf(who: Actor, path: string): Promise<number> {
  const res = await as(ctx, who).get(path);
  expect(res.status).toBe(200);
  return res.body.total;
}

/** The Monday (YYYY-MM-DD) of the week `at` falls in, at a fixed offset from UTC (Shanghai keeps no summer time). */
function mondayOf(at: Date, offsetHours = 0): string {
  const local = new Date(at.getTime() + offsetHours * HOUR);
  const back = (local.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - back))
    .toISOString()
    .slice(0, 10);
}

/** Every seizure registered, and whether the police's officer can see the item. */
const seizures: { at: Date; police: boolean }[] = [];
const seized = (at: Date, police = true) => {
  seizures.push({ at, police });
  return { ...phone, seizedAt: at.toISOString() };
};
const recently = (police = true) => seized(new Date(Date.now() - 60_000), police);
const overAYearAgo = (police = true) => seized(new Date(Date.now() - 400 * DAY), police);

/** Files a request as the police's officer and has their approver approve it. */
async function approved(body: object): Promise<string> {
  const filed = await as(ctx, world.people.officer).post('/requests', body);
  expect(filed.status).toBe(201);
  expect((await as(ctx, world.people.approver).post(`/requests/${filed.body.id}/approve`, {})).status).toBe(200);
  return filed.body.id;
}

// A small world whose every number is known. The police: one item seized on a Sunday evening (UTC) two weeks
// ago, a Monday morning in Shanghai; one seized over a year ago, so due for review; one transferred to the
// procuratorate (held once, owned no longer); three in store (two in the police's zone, one in a zone with a
// capacity); one out on a loan now overdue; one disposed of. The other police: one in their zone, one due for
// review. Then the due alerts are raised: two about the police's items, one about the others'.
let sunday: Date;
beforeAll(async () => {
  const thisMonday = new Date(`${mondayOf(new Date())}T00:00:00Z`);
  sunday = new Date(thisMonday.getTime() - 8 * DAY + 20 * HOUR);
  const admin = as(ctx, world.people.admin);
  for (const body of [
    { code: world.loc('ZONE-C'), name: 'Capacity zone', kind: 'zone', parentCode: world.loc('SITE'), capacity: 40 },
    { code: world.loc('SHELF-C'), name: 'Shelf C', kind: 'shelf', parentCode: world.loc('ZONE-C') },
  ]) {
    expect((await admin.post('/locations', body)).status).toBe(201);
  }

  await register(ctx, world, [seized(sunday), overAYearAgo()]);
  const [transferred] = await register(ctx, world, [recently()]);
  const transfer = await approved({
    kind: 'transfer',
    itemCodes: [transferred],
    reason: '移送审查起诉',
    toAgencyCode: world.agencies.procuratorate.code,
  });
  expect((await as(ctx, world.people.procClerk).post(`/requests/${transfer}/accept`, {})).status).toBe(200);
  await stored(ctx, world, [recently(), recently()]);
  await stored(ctx, world, [recently()], 'SHELF-C');
  const [loaned, disposed] = await stored(ctx, world, [recently(), recently()]);
  const due = new Date(Date.now() + 1500);
  const loan = await approved({
    kind: 'loan',
    itemCodes: [loaned],
    reason: '送检',
    borrower: '市物证鉴定所',
    purpose: 'lab',
    dueAt: due.toISOString(),
  });
  const warehouse = as(ctx, world.people.warehouse);
  const out = await warehouse.post(`/items/${loaned}/check-out`, { requestId: loan, condition: '完好' });
  expect(out.status).toBe(200);
  const disposal = await approved({
    kind: 'disposal',
    itemCodes: [disposed],
    reason: '判决发还',
    method: 'returned_to_owner',
    orderReference: '东法刑[2026]12号',
  });
  expect((await warehouse.post(`/items/${disposed}/dispose`, { requestId: disposal })).status).toBe(200);

  const stranger = as(ctx, world.people.strangerOfficer);
  const opened = await stranger.post('/cases', {
    caseNumber: `西公刑[2026]${world.loc('9')}号`,
    title: '李某诈骗案',
    openedOn: '2026-11-05',
  });
  expect(opened.status).toBe(201);
  const theirs = await stranger.post(`/cases/${opened.body.id}/items`, {
    items: [recently(false), overAYearAgo(false)],
  });
  expect(theirs.status).toBe(201);
  const theirStored: string = theirs.body.items[0].code;
  const handover = await warehouse.post('/handovers', {
    itemCodes: [theirStored],
    handedOverBy: credentialsOf(world.people.strangerOfficer),
  });
  expect(handover.status).toBe(201);
  const checkIn = await warehouse.post(`/items/${theirStored}/check-in`, { locationCode: world.loc('ROOM-X') });
  expect(checkIn.status).toBe(200);

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, due.getTime() - Date.now()) + 100));
  expect(await raiseDueAlerts(ctx.orm.em.fork())).toMatchObject({ raised: 3 });
}, 60_000);

/** The non-zero counts of a chart's rows, by their key. */
const nonZero = <R extends { count: number }>(rows: R[], key: (row: R) => string) =>
  Object.fromEntries(rows.filter((r) => r.count > 0).map((r) => [key(r), r.count]));
const byState = (d: Dashboard) => nonZero(d.byState, (r) => r.state);
const byAgency = (d: Dashboard) => nonZero(d.byAgency, (r) => r.code);

describe('what each role counts', () => {
  test('the warehouse, an inspector and an administrator count the whole centre, every state named', async () => {
    const { police, otherPolice, procuratorate } = world.agencies;
    for (const who of [world.people.warehouse, world.people.inspector, world.people.admin]) {
      const d = await dashboardOf(who);
      expect(d.scope).toBe('centre');
      expect(d.total).toBe(10);
      expect(byState(d)).toEqual({ registered: 4, stored: 4, on_loan: 1, disposed: 1 });
      expect(d.byState.map((r) => r.state)).toEqual([
        'registered',
        'received',
        'in_locker',
        'stored',
        'on_loan',
        'disposed',
      ]);
      expect(d.byAgency).toEqual([
        { code: police.code, name: police.name, count: 7 },
        { code: otherPolice.code, name: otherPolice.name, count: 2 },
        { code: procuratorate.code, name: procuratorate.name, count: 1 },
      ]);
      expect(d.overdueLoans).toBe(1);
      expect(d.dueReviews).toBe(2);
      expect(d.openAlerts).toEqual({
        total: 3,
        byKind: [
          { kind: 'review_due', count: 2 },
          { kind: 'loan_overdue', count: 1 },
        ],
      });
    }
  });

  test('each zone counts the items anywhere below it, against its capacity', async () => {
    const { zones } = await dashboardOf(world.people.warehouse);
    expect(Object.fromEntries(zones.map((z) => [z.code, [z.items, z.capacity]]))).toEqual({
      [world.loc('ZONE-P')]: [2, null],
      [world.loc('ZONE-X')]: [1, null],
      [world.loc('ZONE-G')]: [0, null],
      [world.loc('ZONE-C')]: [1, 40],
    });
    expect(zones.find((z) => z.code === world.loc('ZONE-C'))?.name).toBe('Capacity zone');
  });

  test('an officer counts what their agency holds or has held, and has no alerts or zones to see', async () => {
    const { police, procuratorate } = world.agencies;
    const d = await dashboardOf(world.people.officer);
    expect(d.scope).toBe('agency');
    expect(d.total).toBe(8);
    expect(byState(d)).toEqual({ registered: 3, stored: 3, on_loan: 1, disposed: 1 });
    expect(byAgency(d)).toEqual({ [police.code]: 7, [procuratorate.code]: 1 });
    expect([d.overdueLoans, d.dueReviews]).toEqual([1, 1]);
    expect(d.openAlerts).toBeNull();
    expect(d.zones).toEqual([]);
  });

  test('an officer of another agency does not count the police’s items, nor the police theirs', async () => {
    const d = await dashboardOf(world.people.strangerOfficer);
    expect(d.total).toBe(2);
    expect(byState(d)).toEqual({ registered: 1, stored: 1 });
    expect(byAgency(d)).toEqual({ [world.agencies.otherPolice.code]: 2 });
    expect([d.overdueLoans, d.dueReviews]).toEqual([0, 1]);
    expect(d.weeks.reduce((sum, w) => sum + w.checkedIn + w.disposed, 0)).toBe(1);
    expect(d.weeks.reduce((sum, w) => sum + w.registered, 0)).toBe(1);
  });

  test('approvers count the alerts about their agency’s items only; the receiving agency what it was given', async () => {
    expect((await dashboardOf(world.people.approver)).openAlerts).toEqual({
      total: 2,
      byKind: [
        { kind: 'loan_overdue', count: 1 },
        { kind: 'review_due', count: 1 },
      ],
    });
    expect((await dashboardOf(world.people.procApprover)).openAlerts).toEqual({ total: 0, byKind: [] });
    const proc = await dashboardOf(world.people.procClerk);
    expect([proc.total, byAgency(proc)]).toEqual([1, { [world.agencies.procuratorate.code]: 1 }]);
  });
});

describe('weeks', () => {
  const expectedRegistrations = (offsetHours: number, police: boolean) => {
    const byWeek = new Map<string, number>();
    for (const s of seizures.filter((s) => s.police || !police)) {
      const monday = mondayOf(s.at, offsetHours);
      byWeek.set(monday, (byWeek.get(monday) ?? 0) + 1);
    }
    return byWeek;
  };

  test('twelve ISO weeks, the current one last: seizures, check-ins and disposals in each', async () => {
    const d = await dashboardOf(world.people.inspector, '?timeZone=UTC');
    expect(d.weeks).toHaveLength(12);
    const now = new Date();
    expect(d.weeks.at(-1)).toMatchObject({ from: mondayOf(now), checkedIn: 6, disposed: 1 });
    expect(d.weeks.at(-1)!.week).toMatch(/^\d{4}-W\d{2}$/);
    const first = new Date(`${d.weeks[0]!.from}T00:00:00Z`);
    expect(first.getTime()).toBe(new Date(`${mondayOf(now)}T00:00:00Z`).getTime() - 11 * 7 * DAY);
    for (const [i, week] of d.weeks.entries()) {
      expect(new Date(`${week.to}T00:00:00Z`).getTime() - new Date(`${week.from}T00:00:00Z`).getTime()).toBe(6 * DAY);
      if (i < 11) expect([week.checkedIn, week.disposed]).toEqual([0, 0]);
    }
    const expected = expectedRegistrations(0, false);
    expect(d.weeks.map((w) => w.registered)).toEqual(d.weeks.map((w) => expected.get(w.from) ?? 0));
    // The two seized over a year ago are counted in no week.
    expect(d.weeks.reduce((sum, w) => sum + w.registered, 0)).toBe(8);
  });

  test('weeks start on Mondays in the asked time zone: a Sunday evening in UTC is a Monday in Shanghai', async () => {
    const utc = await dashboardOf(world.people.officer, '?timeZone=UTC');
    const shanghai = await dashboardOf(world.people.officer, `?timeZone=${encodeURIComponent('Asia/Shanghai')}`);
    const [inUtc, inShanghai] = [mondayOf(sunday, 0), mondayOf(sunday, 8)];
    expect(inUtc).not.toBe(inShanghai);
    for (const [d, offset] of [
      [utc, 0],
      [shanghai, 8],
    ] as const) {
      const expected = expectedRegistrations(offset, true);
      expect(d.weeks.map((w) => w.registered)).toEqual(d.weeks.map((w) => expected.get(w.from) ?? 0));
    }
    expect(utc.weeks.find((w) => w.from === inUtc)?.registered).toBe(1);
    expect(shanghai.weeks.find((w) => w.from === inUtc)?.registered ?? 0).toBe(0);
  });

  test('fewer weeks when asked', async () => {
    const d = await dashboardOf(world.people.officer, '?weeks=3');
    expect(d.weeks.map((w) => w.from)).toEqual(
      [2, 1, 0].map((back) => mondayOf(new Date(Date.now() - back * 7 * DAY))),
    );
  });
});

describe('each number is the total of the list it links to', () => {
  test('an officer’s states, agencies, due reviews and weeks of seizures', async () => {
    const officer = world.people.officer;
    const d = await dashboardOf(officer, `?timeZone=${encodeURIComponent('Asia/Shanghai')}`);
    for (const { state, count } of d.byState) expect(await totalOf(officer, `/items?state=${state}`)).toBe(count);
    for (const { code, count } of d.byAgency) {
      expect(await totalOf(officer, `/items?agency=${encodeURIComponent(code)}`)).toBe(count);
    }
    expect(await totalOf(officer, '/items?reviewDue=true')).toBe(d.dueReviews);
    for (const week of d.weeks.filter((w) => w.registered > 0)) {
      const to = new Date(new Date(`${week.to}T00:00:00+08:00`).getTime() + DAY).toISOString();
      const range = `seizedFrom=${encodeURIComponent(`${week.from}T00:00:00+08:00`)}&seizedTo=${encodeURIComponent(to)}`;
      expect(await totalOf(officer, `/items?${range}`)).toBe(week.registered);
    }
  });

  test('the centre’s zones, overdue loans and open alerts', async () => {
    const inspector = world.people.inspector;
    const d = await dashboardOf(inspector);
    for (const zone of d.zones) {
      expect(await totalOf(inspector, `/items?location=${encodeURIComponent(zone.code)}`)).toBe(zone.items);
    }
    expect(await totalOf(inspector, '/loans/overdue')).toBe(d.overdueLoans);
    expect(await totalOf(inspector, '/reviews/due')).toBe(d.dueReviews);
    expect(await totalOf(inspector, '/alerts')).toBe(d.openAlerts!.total);
    expect(await totalOf(world.people.approver, '/alerts')).toBe(
      (await dashboardOf(world.people.approver)).openAlerts!.total,
    );
  });
});

describe('refusals', () => {
  test.each([
    ['timeZone=Mars%2FOlympus', 'timeZone', /IANA time zone/],
    ['timeZone=', 'timeZone', /IANA time zone/],
    ['weeks=0', 'weeks', /1/],
    ['weeks=53', 'weeks', /52/],
    ['weeks=twelve', 'weeks', /number/],
  ])('%s is a problem naming the field', async (query, field, detail) => {
    const res = await as(ctx, world.people.officer).get(`/dashboard?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors[0]).toMatchObject({ in: 'query', field });
    expect(res.body.detail).toMatch(detail);
  });

  test('a time zone the database does not know is refused as the query’s fault, not the server’s', async () => {
    const caller = (await loadCaller(ctx.orm.em.fork(), { id: world.people.inspector.user.id }))!;
    const asked = dashboard(ctx.orm.em.fork(), caller, { timeZone: 'Mars/Olympus', weeks: 12 });
    await expect(asked).rejects.toThrow(ValidationError);
    await expect(asked).rejects.toMatchObject({ errors: [{ in: 'query', field: 'timeZone' }] });
  });

  test('without signing in there is no dashboard', async () => {
    const res = await request(ctx.app).get('/api/v1/dashboard');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
