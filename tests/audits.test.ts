import { sampleSize } from '../src/custody/items/audits';
import type { TestContext } from './context';
import { binary, pdfText } from './decode';
import { as, phone, setUpWorld, stored, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]));

test.each([
  [1000, 0.95, 0.05, 278],
  [50, 0.95, 0.05, 45],
  [10_000, 0.99, 0.02, 2932],
  [3, 0.9, 0.1, 3],
])('a sample of %i items at %f confidence and %f margin has %i items', (population, confidence, margin, expected) => {
  expect(sampleSize(population, confidence, margin)).toBe(expected);
});

test('an inventory finds a missing and a mislocated item, an unknown code, and records what it saw', async () => {
  const warehouse = as(ctx, world.people.warehouse);
  const [found, misplaced, lost] = await stored(ctx, world, [phone, phone, phone], 'SHELF-1');
  const start = await warehouse.post('/audits', { locationCode: world.loc('ROOM-1') });
  expect(start.status).toBe(201);
  expect(start.body.expected).toBeGreaterThanOrEqual(3);
  const id = start.body.id;
  expect(
    (await warehouse.post(`/audits/${id}/scans`, { code: found, locationCode: world.loc('SHELF-1') })).body,
  ).toEqual({ code: found, known: true });
  await warehouse.post(`/audits/${id}/scans`, { code: misplaced, locationCode: world.loc('SHELF-2') });
  expect(
    (await warehouse.post(`/audits/${id}/scans`, { code: 'STRANGE-LABEL', locationCode: world.loc('SHELF-1') })).body
      .known,
  ).toBe(false);

  // While it is open, its counts fill in as the scans come, classified as the close will classify them.
  const open = (await warehouse.get(`/audits/${id}`)).body;
  expect(open).toMatchObject({
    status: 'open',
    locationCode: world.loc('ROOM-1'),
    scanned: 3,
    result: null,
    counts: { found: 1, mislocated: 1, unknown: 1, notSeen: start.body.expected - 2 },
  });

  const closed = await warehouse.post(`/audits/${id}/close`);
  expect(closed.status).toBe(200);
  expect((await warehouse.get(`/audits/${id}`)).body).toMatchObject({
    status: 'closed',
    counts: {
      found: closed.body.found.length,
      mislocated: 1,
      unknown: 1,
      notSeen: closed.body.missing.length,
    },
  });
  expect(closed.body.found).toContain(found);
  expect(closed.body.mislocated).toEqual([
    { code: misplaced, recorded: world.loc('SHELF-1'), seen: world.loc('SHELF-2') },
  ]);
  expect(closed.body.missing).toContain(lost);
  expect(closed.body.unknown).toEqual(['STRANGE-LABEL']);

  const history = (code: string) =>
    as(ctx, world.people.inspector)
      .get(`/items/${code}/events`)
      .then((r) => r.body.items.at(-1).envelope);
  expect(await history(found!)).toMatchObject({ type: 'audited', payload: { auditId: id, result: 'found' } });
  expect(await history(misplaced!)).toMatchObject({
    type: 'audited',
    payload: { result: 'mislocated', seenAt: world.loc('SHELF-2') },
  });
  expect((await history(lost!)).type).toBe('check_in');
  const alerts = await warehouse.get('/alerts?kind=audit_missing');
  expect(alerts.body.items.map((a: { itemCode: string }) => a.itemCode)).toContain(lost);

  expect((await warehouse.post(`/audits/${id}/close`)).status).toBe(409);
  // The unlabelled thing on the shelf becomes found property, with a code and a history of its own.
  const foundProperty = await warehouse.post(`/audits/${id}/found-property`, {
    code: 'STRANGE-LABEL',
    category: 'other',
    description: '无标签纸箱一个',
    quantity: 1,
    unit: '个',
  });
  expect(foundProperty.status).toBe(201);
  expect(foundProperty.body).toMatchObject({
    caseNumber: 'FOUND-PROPERTY',
    serialNumber: 'STRANGE-LABEL',
    seizedPlace: world.loc('SHELF-1'),
    state: 'registered',
  });
  expect(
    (
      await warehouse.post(`/audits/${id}/found-property`, {
        code: 'NOT-SEEN',
        category: 'other',
        description: 'x',
        quantity: 1,
        unit: '个',
      })
    ).status,
  ).toBe(422);
  const report = await warehouse.get(`/audits/${id}/report.pdf?lang=en`).buffer(true).parse(binary);
  const text = await pdfText(report.body);
  for (const word of ['Inventory report', 'missing', 'mislocated', 'STRANGE-LABEL']) expect(text).toContain(word);
});

test('a sampled inventory expects a random sample of the size the statistics call for', async () => {
  await stored(
    ctx,
    world,
    Array.from({ length: 12 }, () => phone),
    'SHELF-2',
  );
  const population = Number(
    (
      await ctx.orm.em
        .fork()
        .execute<{ n: string }[]>(
          `select count(*) as n from items i join locations l on l.id = i.location_id where l.code = ? and i.state = 'stored'`,
          [world.loc('SHELF-2')],
        )
    )[0]!.n,
  );
  const res = await as(ctx, world.people.warehouse).post('/audits', {
    locationCode: world.loc('SHELF-2'),
    sample: { confidence: 0.9, margin: 0.2 },
  });
  expect(res.body).toMatchObject({ kind: 'sample', expected: sampleSize(population, 0.9, 0.2) });
  expect(res.body.expected).toBeLessThan(population);
});
