import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, register, type Actor, type World } from './world';

let ctx: TestContext;
let world: World;
beforeAll(async () => {
  ctx = await createTestContext();
  world = await buildWorld(ctx);
});
afterAll(async () => {
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
});

const eventCount = async () => Number((await ctx.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ledger_events'))[0]!.n);
const firstEventIndex = async (code: string) => (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items[0].index as number;
const item = async (code: string) => (await as(ctx, world.people.inspector).get(`/items/${code}`)).body;
const corrected = async (by: Actor, code: string, changes: object) =>
  as(ctx, by).post(`/items/${code}/corrections`, { correctsIndex: await firstEventIndex(code), changes, note: '登记有误' });

describe('correction values are validated and normalized as at registration', () => {
  test.each([
    ['a wrong category', { category: 'spaceship' }, 'changes.category'],
    ['a quantity of "abc"', { quantity: 'abc' }, 'changes.quantity'],
    ['a quantity JavaScript writes with an exponent', { quantity: 1e-7 }, 'changes.quantity'],
    ['a null description', { description: null }, 'changes.description'],
    ['a blank unit', { unit: '   ' }, 'changes.unit'],
    ['a null seizure time (required)', { seizedAt: null }, 'changes.seizedAt'],
    ['a seizure time without an offset', { seizedAt: '2026-11-02 09:30' }, 'changes.seizedAt'],
    ['a currency that is not ISO 4217', { currency: 'yuan' }, 'changes.currency'],
    ['a particular that cannot be corrected', { code: 'X' }, 'changes'],
  ])('%s answers 400 naming the field, and changes and appends nothing', async (_what, changes, field) => {
    const [code] = await register(ctx, world);
    const before = { events: await eventCount(), item: await item(code!) };
    const res = await corrected(world.people.officer, code!, changes);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:custody:problem:validation-failed', detail: expect.stringContaining(field) });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect({ events: await eventCount(), item: await item(code!) }).toEqual(before);
  });

  test('an optional particular is cleared with null, and values are stored as registration stores them', async () => {
    const [code] = await register(ctx, world);
    const res = await corrected(world.people.officer, code!, { seizedAt: '2026-11-02T10:15:00+08:00', seizedFrom: null, description: '  手机一部  ' });
    expect(res.status).toBe(201);
    expect(await item(code!)).toMatchObject({ seizedAt: '2026-11-02T02:15:00.000Z', seizedFrom: null, description: '手机一部' });
    const events = (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items;
    expect(events.at(-1).envelope.payload.changes).toEqual({ seizedAt: '2026-11-02T02:15:00.000Z', seizedFrom: null, description: '手机一部' });
    expect((await as(ctx, world.people.inspector).get('/ledger/verify')).body).toMatchObject({ ok: true });
  });
});
