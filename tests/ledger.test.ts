import fc from 'fast-check';
import pg from 'pg';
import request from 'supertest';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, credentialsOf, phone, register, stored, type World } from './world';
import { verifyLedger } from '../src/custody/ledger/verify/verify';

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

/** Runs statements in one transaction and rolls it back, so a tampering test leaves the ledger as it was. */
async function inRolledBackTransaction<T>(run: () => Promise<T>): Promise<T> {
  await sql.query('begin');
  try {
    return await run();
  } finally {
    await sql.query('rollback');
  }
}

describe('the database refuses to change history', () => {
  beforeAll(() => register(ctx, world));

  test.each([
    ['UPDATE', `update ledger_events set canonical = canonical || ' ' where idx = 0`],
    ['DELETE', `delete from ledger_events where idx = 0`],
    ['TRUNCATE', `truncate ledger_events`],
    ['DELETE of the head', `delete from ledger_head`],
    ['moving the head back', `update ledger_head set size = 0`],
  ])('%s on the ledger fails', async (_what, statement) => {
    await expect(inRolledBackTransaction(() => sql.query(statement))).rejects.toThrow(/append-only|only moves forward/);
  });

  test('the triggers fire even with session_replication_role = replica', async () => {
    await expect(
      inRolledBackTransaction(async () => {
        await sql.query(`set local session_replication_role = replica`);
        await sql.query(`delete from ledger_events where idx = 0`);
      }),
    ).rejects.toThrow(/append-only/);
  });
});

describe.each([
  ['in this thread', 0, undefined],
  ['in two worker threads', 2, undefined],
  // Events read a few at a time: one COPY after another, in workers that read them all.
  ['in two worker threads, 3 events per COPY', 2, 3],
])('verify (%s) finds what was changed behind the application', (_how, threads, batch) => {
  let index: number;
  beforeAll(async () => {
    const [code] = await stored(ctx, world);
    const events = await as(ctx, world.people.inspector).get(`/items/${code}/events`);
    index = events.body.items[1].index;
  });

  test('the untouched ledger verifies', async () => {
    expect(await verifyLedger(ctx.orm.em.fork(), { threads, batch })).toMatchObject({ ok: true, failure: null });
  });

  /** As the table owner: disable the triggers, tamper, verify inside the same transaction, roll back. */
  async function tamper(statement: string, params: unknown[] = []) {
    return inRolledBackTransaction(async () => {
      await sql.query('alter table ledger_events disable trigger all');
      await sql.query(statement, params);
      return verifyInTamperingTransaction(threads, batch);
    });
  }

  test('an edited event is named by its index', async () => {
    const result = await tamper(
      `update ledger_events set canonical = replace(canonical, '"handover"', '"check_in"') where idx = $1`,
      [index],
    );
    expect(result.failure).toMatchObject({ index, reason: expect.stringMatching(/leaf hash does not match/) });
  });

  test('an edited event whose leaf hash was recomputed breaks the item chain or the root', async () => {
    const result = await tamper(
      `update ledger_events set canonical = replace(canonical, '"handover"', '"check_in"'),
              leaf_hash = sha256('\\x00'::bytea || convert_to(replace(canonical, '"handover"', '"check_in"'), 'UTF8')) where idx = $1`,
      [index],
    );
    // The edited event is self-consistent now, but the item's next event still points at the old hash.
    expect(result.failure).toMatchObject({ index: index + 1, reason: expect.stringMatching(/does not chain/) });
  });

  test('a deleted event is found as a gap in the global index', async () => {
    const result = await tamper(`delete from ledger_events where idx = $1`, [index]);
    expect(result.failure).toMatchObject({
      index: index + 1,
      reason: expect.stringMatching(new RegExp(`index ${index} is missing`)),
    });
  });

  test('an items row changed without an event differs from the replay', async () => {
    const result = await inRolledBackTransaction(async () => {
      await sql.query(
        `update items set location_id = null where id = (select item_id from ledger_events where idx = $1)`,
        [index],
      );
      return verifyInTamperingTransaction(threads, batch);
    });
    expect(result.failure).toMatchObject({
      index: null,
      reason: expect.stringMatching(/differs from the ledger’s replay in locationId/),
    });
  });
});

/** verifyLedger reading through the tampering transaction's connection, so its uncommitted changes are seen. */
function verifyInTamperingTransaction(threads: number, batch: number | undefined) {
  return verifyLedger(ctx.orm.em.fork(), { threads, batch, connection: sql });
}

describe('concurrency', () => {
  test('20 clients racing to check out one item: exactly one succeeds, the others get 409', async () => {
    const [code] = await stored(ctx, world);
    const loan = await as(ctx, world.people.officer).post('/requests', {
      kind: 'loan',
      itemCodes: [code],
      reason: 'court',
      borrower: 'Court',
      purpose: 'court',
      dueAt: new Date(Date.now() + 86400_000).toISOString(),
    });
    await as(ctx, world.people.approver).post(`/requests/${loan.body.id}/approve`, {});
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        as(ctx, world.people.warehouse).post(`/items/${code}/check-out`, { requestId: loan.body.id, condition: 'ok' }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const events = (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items;
    expect(events.filter((e: { type: string }) => e.type === 'check_out')).toHaveLength(1);
  });

  test('8 writers on different items leave a gap-free global index and a valid tree', async () => {
    const codes = await stored(
      ctx,
      world,
      Array.from({ length: 8 }, () => phone),
    );
    await Promise.all(
      codes.map(async (code) => {
        for (let i = 0; i < 5; i++) {
          const shelf = i % 2 === 0 ? 'SHELF-2' : 'SHELF-1';
          const res = await as(ctx, world.people.warehouse).post(`/items/${code}/move`, {
            locationCode: world.loc(shelf),
          });
          expect(res.status).toBe(200);
        }
      }),
    );
    const { rows } = await sql.query('select idx from ledger_events order by idx');
    expect(rows.map((r) => Number(r.idx))).toEqual(rows.map((_, i) => i));
    expect(await verifyLedger(ctx.orm.em.fork())).toMatchObject({ ok: true });
  });

  test('verification while commands append events sees one consistent ledger and passes', async () => {
    const codes = await stored(
      ctx,
      world,
      Array.from({ length: 4 }, () => phone),
    );
    let writing = true;
    const writers = Promise.all(
      codes.map(async (code) => {
        for (let i = 0; i < 15; i++) {
          const res = await as(ctx, world.people.warehouse).post(`/items/${code}/move`, {
            locationCode: world.loc(i % 2 === 0 ? 'SHELF-2' : 'SHELF-1'),
          });
          expect(res.status).toBe(200);
        }
      }),
    ).finally(() => (writing = false));
    const results = [];
    // In this thread and in workers, and several COPYs each, so that events land between the statements.
    for (let round = 0; writing; round++)
      results.push(await verifyLedger(ctx.orm.em.fork(), { threads: round % 2 === 0 ? 0 : 2, batch: 50 }));
    await writers;
    expect(results.length).toBeGreaterThanOrEqual(2);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // Each saw the ledger at one moment: the sizes grow as the commands go on.
    expect(new Set(results.map((r) => r.size)).size).toBeGreaterThan(1);
  });
});

describe('property: any sequence of commands leaves items equal to a replay of the ledger', () => {
  const COMMANDS = [
    'handover',
    'check_in',
    'move',
    'loan',
    'return',
    'hold',
    'release',
    'correct',
    'deposit',
    'retrieve',
    'transfer',
    'dispose',
  ] as const;

  test('random command sequences verify', async () => {
    const warehouse = as(ctx, world.people.warehouse);
    const officer = as(ctx, world.people.officer);
    const approver = as(ctx, world.people.approver);
    const due = () => new Date(Date.now() + 86400_000).toISOString();
    const run = async (code: string, command: (typeof COMMANDS)[number]) => {
      switch (command) {
        case 'handover':
          return warehouse.post('/handovers', { itemCodes: [code], handedOverBy: credentialsOf(world.people.officer) });
        case 'check_in':
          return warehouse.post(`/items/${code}/check-in`, { locationCode: world.loc('SHELF-1') });
        case 'move':
          return warehouse.post(`/items/${code}/move`, { locationCode: world.loc('SHELF-2') });
        case 'loan': {
          const r = await officer.post('/requests', {
            kind: 'loan',
            itemCodes: [code],
            reason: 'x',
            borrower: 'Lab',
            purpose: 'lab',
            dueAt: due(),
          });
          if (r.status !== 201) return r;
          await approver.post(`/requests/${r.body.id}/approve`, {});
          return warehouse.post(`/items/${code}/check-out`, { requestId: r.body.id, condition: 'ok' });
        }
        case 'return':
          return warehouse.post(`/items/${code}/return`, {
            locationCode: world.loc('SHELF-1'),
            condition: 'ok',
            sealNumber: 'S-0002',
          });
        case 'hold':
          return approver.post(`/items/${code}/hold`, { reason: 'appeal' });
        case 'release':
          return approver.delete(`/items/${code}/hold`, { reason: 'over' });
        case 'correct':
          return officer.post(`/items/${code}/corrections`, {
            correctsIndex: 0,
            changes: { description: 'x' },
            note: 'n',
          });
        case 'deposit':
          return officer.post(`/items/${code}/locker-deposit`, { compartmentCode: world.loc('C2') });
        case 'retrieve':
          return warehouse.post(`/items/${code}/locker-retrieve`);
        case 'transfer': {
          const r = await officer.post('/requests', {
            kind: 'transfer',
            itemCodes: [code],
            reason: 'x',
            toAgencyCode: world.agencies.procuratorate.code,
          });
          if (r.status !== 201) return r;
          await approver.post(`/requests/${r.body.id}/approve`, {});
          return as(ctx, world.people.procClerk).post(`/requests/${r.body.id}/refuse`, { note: 'no' });
        }
        case 'dispose': {
          const r = await officer.post('/requests', {
            kind: 'disposal',
            itemCodes: [code],
            reason: 'x',
            method: 'destroyed',
            orderReference: 'O-1',
          });
          if (r.status !== 201) return r;
          await approver.post(`/requests/${r.body.id}/approve`, {});
          return warehouse.post(`/items/${code}/dispose`, {
            requestId: r.body.id,
            witness: credentialsOf(world.people.warehouse2),
          });
        }
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...COMMANDS), { minLength: 1, maxLength: 12 }), async (commands) => {
        const [code] = await register(ctx, world);
        for (const command of commands) {
          const res = await run(code!, command);
          expect([200, 201, 403, 409, 422]).toContain(res.status);
        }
        const result = await verifyLedger(ctx.orm.em.fork());
        expect(result.failure).toBeNull();
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});

test('GET /ledger/verify is for inspectors and admins', async () => {
  expect((await as(ctx, world.people.officer).get('/ledger/verify')).status).toBe(403);
  const res = await request(ctx.app).get('/api/v1/ledger/verify').set('Authorization', world.people.admin.auth);
  expect(res.body.ok).toBe(true);
});
