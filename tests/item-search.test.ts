import type { TestContext } from './context';
import { as, phone, register, setUpWorld, type World } from './world';
import { formatItemCode } from '../src/custody/items/item-code';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]));

// The inspector's search: across every agency, by case number, text, state and when the item was seized.
let ours: string;
let theirs: string;
let theirCase: string;
beforeAll(async () => {
  [ours] = (await register(ctx, world, [{ ...phone, seizedAt: '2026-11-02T01:30:00Z' }])) as [string];
  const stranger = as(ctx, world.people.strangerOfficer);
  const opened = await stranger.post('/cases', {
    caseNumber: `西公刑[2026]${world.loc('77')}号`,
    title: '李某诈骗案',
    openedOn: '2026-11-05',
  });
  expect(opened.status).toBe(201);
  theirCase = opened.body.caseNumber;
  const registered = await stranger.post(`/cases/${opened.body.id}/items`, {
    items: [{ ...phone, description: '白色苹果手机一部', seizedAt: '2026-11-20T02:00:00Z' }],
  });
  expect(registered.status).toBe(201);
  theirs = registered.body.items[0].code;
});

const search = async (who: typeof world.people.inspector, query: string) => {
  const res = await as(ctx, who).get(`/items?${query}`);
  expect(res.status).toBe(200);
  return (res.body.items as { code: string }[]).map((i) => i.code);
};

test('an inspector finds items of every agency by text; an officer only their own', async () => {
  const found = await search(world.people.inspector, `q=${encodeURIComponent('手机')}&limit=100`);
  expect(found).toEqual(expect.arrayContaining([ours, theirs]));
  const officer = await search(world.people.officer, `q=${encodeURIComponent('手机')}&limit=100`);
  expect(officer).toContain(ours);
  expect(officer).not.toContain(theirs);
});

test('a part of a case number finds that case’s items', async () => {
  expect(await search(world.people.inspector, `caseNumber=${encodeURIComponent(theirCase.slice(0, 12))}`)).toEqual([
    theirs,
  ]);
  // % and _ are taken as themselves, not as patterns.
  expect(await search(world.people.inspector, `caseNumber=${encodeURIComponent('%')}`)).toEqual([]);
});

test('the seizure range includes its start and excludes its end, in any time zone the caller gives', async () => {
  const inRange = await search(
    world.people.inspector,
    `seizedFrom=2026-11-02T09:30:00%2B08:00&seizedTo=2026-11-03T00:00:00%2B08:00`,
  );
  expect(inRange).toContain(ours);
  expect(inRange).not.toContain(theirs);
  expect(
    await search(world.people.inspector, `seizedFrom=2026-11-02T09:30:01%2B08:00&seizedTo=2026-11-03T00:00:00%2B08:00`),
  ).not.toContain(ours);
  const bad = await as(ctx, world.people.inspector).get('/items?seizedFrom=yesterday');
  expect(bad.status).toBe(400);
  expect(bad.body.errors[0]).toMatchObject({ in: 'query', field: 'seizedFrom' });
});

test('a code is found as people type it; a text by one character, by two, or a part of a serial or seal', async () => {
  for (const q of [formatItemCode(ours).toLowerCase(), '机', '手机', 'imei 8612', 's-00']) {
    const found = await search(world.people.inspector, `q=${encodeURIComponent(q)}&limit=200`);
    expect({ q, found }).toEqual({ q, found: expect.arrayContaining([ours]) });
  }
  // The characters of 手机, in another order, are not 手机.
  expect(await search(world.people.inspector, `q=${encodeURIComponent('机手')}`)).not.toContain(ours);
});

test('a total is exact below the bound, and says so', async () => {
  const res = await as(ctx, world.people.inspector).get(`/items?q=${encodeURIComponent('手机')}&limit=1`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ totalExact: true, limit: 1 });
  expect(res.body.total).toBeGreaterThanOrEqual(2);
  expect(res.body.items).toHaveLength(1);
});
