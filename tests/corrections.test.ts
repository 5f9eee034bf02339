import fc from 'fast-check';
import { createTestContext, serverErrors, type TestContext } from './context';
import { signedIn } from './factories';
import { CATEGORIES } from '../src/custody/items/item-kinds';
import { CONTROLLED, type Correctable } from '../src/custody/items/projection';
import { as, buildWorld, credentialsOf, phone, register, stored, type Actor, type World } from './world';

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

const eventCount = async () =>
  Number((await ctx.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ledger_events'))[0]!.n);
const firstEventIndex = async (code: string) =>
  (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items[0].index as number;
const item = async (code: string) => (await as(ctx, world.people.inspector).get(`/items/${code}`)).body;
const corrected = async (by: Actor, code: string, changes: object) =>
  as(ctx, by).post(`/items/${code}/corrections`, {
    correctsIndex: await firstEventIndex(code),
    changes,
    note: '登记有误',
  });

const drugs = {
  ...phone,
  category: 'drugs',
  description: '白色粉末一袋',
  quantity: 1,
  unit: '袋',
  weightGrams: 50,
  serialNumber: undefined,
};
const cash = {
  ...phone,
  category: 'cash',
  description: '人民币现金',
  quantity: 100,
  unit: '张',
  amount: '10000',
  currency: 'CNY',
  serialNumber: undefined,
};

/** A second approver of the police, for decisions the first may not take. */
const signedInApprover = () => signedIn(ctx, { roles: ['approver'], agency: world.agencies.police });

async function handedOver(items: object[]): Promise<string> {
  const [code] = await register(ctx, world, items);
  const res = await as(ctx, world.people.warehouse).post('/handovers', {
    itemCodes: [code],
    handedOverBy: credentialsOf(world.people.officer),
  });
  expect(res.status).toBe(201);
  return code!;
}

async function onLoan(): Promise<string> {
  const [code] = await stored(ctx, world);
  const loan = await as(ctx, world.people.officer).post('/requests', {
    kind: 'loan',
    itemCodes: [code],
    reason: 'lab test',
    borrower: 'City lab',
    purpose: 'lab',
    dueAt: new Date(Date.now() + 86400_000).toISOString(),
  });
  expect((await as(ctx, world.people.approver).post(`/requests/${loan.body.id}/approve`, {})).status).toBe(200);
  expect(
    (
      await as(ctx, world.people.warehouse).post(`/items/${code}/check-out`, {
        requestId: loan.body.id,
        condition: 'sealed',
      })
    ).status,
  ).toBe(200);
  return code!;
}

describe('the attacks of issue 14: one person alone cannot weaken a control by correcting', () => {
  test('drugs relabelled "other" by the warehouse user stay drugs, and their check-in still needs a witness', async () => {
    const code = await handedOver([drugs]);
    const before = await eventCount();
    const res = await corrected(world.people.warehouse, code, { category: 'other' });
    expect(res.status).toBe(202);
    expect(await eventCount()).toBe(before + 1); // the request, not a correction
    expect((await item(code)).category).toBe('drugs');
    const checkIn = await as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, {
      locationCode: world.loc('SAFE'),
    });
    expect({ status: checkIn.status, detail: checkIn.body.detail }).toEqual({
      status: 422,
      detail: expect.stringMatching(/drugs needs a witness at check_in/),
    });
  });

  test('cash relabelled "document" cannot be shelved in the document room, outside the safe', async () => {
    const code = await handedOver([cash]);
    expect((await corrected(world.people.warehouse, code, { category: 'document' })).status).toBe(202);
    const checkIn = await as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, {
      locationCode: world.loc('DOCS'),
      witness: credentialsOf(world.people.warehouse2),
    });
    expect(checkIn.status).toBe(422);
    expect((await item(code)).state).toBe('received');
  });

  test('a seal and weight corrected while the item is on loan do not hide the mismatch at its return', async () => {
    const code = await onLoan();
    expect((await corrected(world.people.warehouse, code, { sealNumber: 'S-FAKE', weightGrams: '120' })).status).toBe(
      202,
    );
    const back = await as(ctx, world.people.warehouse).post(`/items/${code}/return`, {
      locationCode: world.loc('SHELF-1'),
      condition: 'resealed',
      sealNumber: 'S-FAKE',
      weightGrams: 120,
    });
    expect(back.status).toBe(200);
    expect(back.body.mismatches).toEqual(['seal S-FAKE instead of S-0001', 'weight 120 g instead of 180 g']);
  });
});

const events = async (code: string) => (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items;
const verified = async () => (await as(ctx, world.people.inspector).get('/ledger/verify')).body;

describe('four eyes: a correction of a particular a rule reads is a request, approved by someone else', () => {
  test('free particulars are corrected at once; a controlled one waits for an approver of the owning agency, whose approval appends it', async () => {
    const code = await handedOver([phone]);
    expect((await corrected(world.people.warehouse, code, { description: '手机一部' })).status).toBe(201);
    const filed = await corrected(world.people.warehouse, code, { sealNumber: 'S-0002', description: '黑色手机一部' });
    expect(filed.status).toBe(202);
    expect(filed.headers.location).toBe(`/api/v1/requests/${filed.body.requestId}`);
    expect(filed.body.item).toMatchObject({ sealNumber: 'S-0001', description: '手机一部' });
    expect((await events(code)).at(-1)).toMatchObject({
      type: 'request_created',
      envelope: {
        requestId: filed.body.requestId,
        payload: { kind: 'correction', changes: { sealNumber: 'S-0002', description: '黑色手机一部' } },
      },
    });
    const mine = await as(ctx, world.people.warehouse).get(`/requests/${filed.body.requestId}`);
    expect(mine.body).toMatchObject({
      kind: 'correction',
      status: 'requested',
      agencyId: world.agencies.police.id,
      correctsIndex: await firstEventIndex(code),
    });

    const approved = await as(ctx, world.people.approver).post(`/requests/${filed.body.requestId}/approve`, {
      note: '核对封签照片',
    });
    expect(approved.body).toMatchObject({ status: 'carried_out', decidedBy: world.people.approver.user.id });
    expect(await item(code)).toMatchObject({ sealNumber: 'S-0002', description: '黑色手机一部' });
    const correction = (await events(code)).at(-1);
    expect(correction).toMatchObject({
      type: 'correction',
      envelope: {
        actor: world.people.approver.user.id,
        requestId: filed.body.requestId,
        payload: {
          corrects: String(await firstEventIndex(code)),
          changes: { sealNumber: 'S-0002', description: '黑色手机一部' },
          previous: { sealNumber: 'S-0001', description: '手机一部' },
          requestedBy: world.people.warehouse.user.id,
          approvedBy: world.people.approver.user.id,
          decisionNote: '核对封签照片',
        },
      },
    });
    expect(await verified()).toMatchObject({ ok: true });
  });

  test('nobody approves their own correction request, nor an approver of another agency; a rejected one changes nothing', async () => {
    const code = await handedOver([phone]);
    const filed = await corrected(world.people.approver, code, { quantity: 2 });
    expect(filed.status).toBe(202);
    const before = await eventCount();
    expect((await as(ctx, world.people.approver).post(`/requests/${filed.body.requestId}/approve`, {})).status).toBe(
      403,
    );
    expect(
      (await as(ctx, world.people.procApprover).post(`/requests/${filed.body.requestId}/approve`, {})).status,
    ).toBe(404);
    expect(await eventCount()).toBe(before);
    const second = await corrected(world.people.officer, code, { unit: '台' });
    expect({ status: second.status, detail: second.body.detail }).toEqual({
      status: 409,
      detail: expect.stringMatching(/already has an open correction request/),
    });

    const rejected = await as(ctx, world.people.courtApprover).post(`/requests/${filed.body.requestId}/reject`, {
      note: 'no',
    });
    expect(rejected.status).toBe(404);
    const approver2 = await signedInApprover();
    expect(
      (await as(ctx, approver2).post(`/requests/${filed.body.requestId}/reject`, { note: '数量无误' })).body.status,
    ).toBe('rejected');
    expect((await item(code)).quantity).toBe('1');
    expect((await events(code)).at(-1)).toMatchObject({
      type: 'request_rejected',
      envelope: { payload: { kind: 'correction', changes: { quantity: '2' } } },
    });
  });

  test('a category that does not fit where the item is kept is refused at filing and at approval; moved first, it is corrected', async () => {
    const [code] = await stored(ctx, world);
    const move = async (to: string) =>
      expect(
        (await as(ctx, world.people.warehouse2).post(`/items/${code}/move`, { locationCode: world.loc(to) })).status,
      ).toBe(200);
    const refused = await corrected(world.people.warehouse, code!, { category: 'cash' });
    expect({ status: refused.status, detail: refused.body.detail }).toEqual({
      status: 422,
      detail: expect.stringMatching(/cannot be recorded as cash where it is kept \(cash must be kept in a safe/),
    });
    await move('SAFE');
    const filed = await corrected(world.people.warehouse, code!, { category: 'cash' });
    expect(filed.status).toBe(202);
    await move('SHELF-2');
    const before = await eventCount();
    const late = await as(ctx, world.people.approver).post(`/requests/${filed.body.requestId}/approve`, {});
    expect({ status: late.status, detail: late.body.detail }).toEqual({
      status: 422,
      detail: expect.stringMatching(/move it to a place that takes it first/),
    });
    expect({ events: await eventCount(), category: (await item(code!)).category }).toEqual({
      events: before,
      category: 'electronics',
    });
    await move('SAFE');
    expect((await as(ctx, world.people.approver).post(`/requests/${filed.body.requestId}/approve`, {})).status).toBe(
      200,
    );
    expect((await item(code!)).category).toBe('cash');
  });

  test('the warehouse user who filed a correction request can cancel it', async () => {
    const code = await handedOver([phone]);
    const filed = await corrected(world.people.warehouse, code, { weightGrams: null });
    expect(
      (await as(ctx, world.people.warehouse).post(`/requests/${filed.body.requestId}/cancel`, { note: '误报' })).body
        .status,
    ).toBe('cancelled');
    expect((await item(code)).weightGrams).toBe('180');
  });
});

describe('after a four-eyes correction, its requester and approver do not make the next movement alone', () => {
  async function correctedOnRequest(code: string, changes: object, by = world.people.warehouse): Promise<void> {
    const filed = await corrected(by, code, changes);
    expect((await as(ctx, world.people.approver).post(`/requests/${filed.body.requestId}/approve`, {})).status).toBe(
      200,
    );
  }

  test('the requester checks in only with a witness who is neither the requester nor the approver; then moves alone', async () => {
    const code = await handedOver([phone]);
    await correctedOnRequest(code, { sealNumber: 'S-0003' });
    expect((await item(code)).correctors).toEqual([world.people.warehouse.user.id, world.people.approver.user.id]);
    const warehouse = as(ctx, world.people.warehouse);
    const alone = await warehouse.post(`/items/${code}/check-in`, { locationCode: world.loc('SHELF-2') });
    expect({ status: alone.status, detail: alone.body.detail }).toEqual({
      status: 422,
      detail: expect.stringMatching(/took no part in that correction/),
    });
    const byApprover = await warehouse.post(`/items/${code}/check-in`, {
      locationCode: world.loc('SHELF-2'),
      witness: credentialsOf(world.people.approver),
    });
    expect(byApprover.status).toBe(422);
    const witnessed = await warehouse.post(`/items/${code}/check-in`, {
      locationCode: world.loc('SHELF-2'),
      witness: credentialsOf(world.people.warehouse2),
    });
    expect(witnessed.status).toBe(200);
    expect((await events(code)).at(-1).envelope.payload.witnessId).toBe(world.people.warehouse2.user.id);
    expect((await item(code)).correctors).toEqual([]);
    expect((await warehouse.post(`/items/${code}/move`, { locationCode: world.loc('SHELF-1') })).status).toBe(200);
  });

  test('someone who took no part moves the item alone; a requester who moves it next needs a witness too', async () => {
    const [code] = await stored(ctx, world);
    await correctedOnRequest(code!, { weightGrams: '181' });
    const refused = await as(ctx, world.people.warehouse).post(`/items/${code}/move`, {
      locationCode: world.loc('SHELF-2'),
    });
    expect(refused.status).toBe(422);
    const witnessed = await as(ctx, world.people.warehouse).post(`/items/${code}/move`, {
      locationCode: world.loc('SHELF-2'),
      witness: credentialsOf(world.people.warehouse2),
    });
    expect(witnessed.status).toBe(200);

    const [other] = await stored(ctx, world);
    await correctedOnRequest(other!, { weightGrams: '181' });
    expect(
      (await as(ctx, world.people.warehouse2).post(`/items/${other}/move`, { locationCode: world.loc('SHELF-2') }))
        .status,
    ).toBe(200);
    expect((await item(other!)).correctors).toEqual([]);
  });

  test('an officer who requested a correction of a registered item does not deposit it in a locker alone; another officer does', async () => {
    const [code] = await register(ctx, world);
    await correctedOnRequest(code!, { quantity: '1' }, world.people.officer);
    const alone = await as(ctx, world.people.officer).post(`/items/${code}/locker-deposit`, {
      compartmentCode: world.loc('C2'),
    });
    expect({ status: alone.status, detail: alone.body.detail }).toEqual({
      status: 422,
      detail: expect.stringMatching(/took no part in that correction/),
    });
    expect(
      (await as(ctx, world.people.officer2).post(`/items/${code}/locker-deposit`, { compartmentCode: world.loc('C2') }))
        .status,
    ).toBe(200);
  });

  test('the correctors replay from the ledger: a row whose correctors were cleared behind the application fails verification', async () => {
    const code = await handedOver([phone]);
    await correctedOnRequest(code, { amount: '5', currency: 'CNY' });
    expect(await verified()).toMatchObject({ ok: true });
    const sql = ctx.orm.em.fork();
    await sql.execute(`update items set correctors = '{}' where code = ?`, [code]);
    try {
      expect((await verified()).failure).toMatchObject({
        reason: expect.stringMatching(new RegExp(`items row of ${code} differs .* in correctors`)),
      });
    } finally {
      await sql.execute(`update items set correctors = ?::uuid[] where code = ?`, [
        `{${world.people.warehouse.user.id},${world.people.approver.user.id}}`,
        code,
      ]);
    }
    expect(await verified()).toMatchObject({ ok: true });
  });
});

describe('correction values are validated and normalized as at registration', () => {
  test.each([
    ['a wrong category', { category: 'spaceship' }, 'changes.category'],
    ['a quantity of "abc"', { quantity: 'abc' }, 'changes.quantity'],
    ['a quantity JavaScript writes with an exponent', { quantity: 1e-7 }, 'changes.quantity'],
    ['a null description', { description: null }, 'changes.description'],
    ['a blank unit', { unit: '   ' }, 'changes.unit'],
    ['a null seizure time (required)', { seizedAt: null }, 'changes.seizedAt'],
    ['a seizure time without an offset', { seizedAt: '2026-11-02 09:30' }, 'changes.seizedAt'],
    [
      'a seizure time its offset carries into the year 10000',
      { seizedAt: '9999-12-31T23:00:00-05:00' },
      'changes.seizedAt',
    ],
    ['a currency that is not ISO 4217', { currency: 'yuan' }, 'changes.currency'],
    ['a particular that cannot be corrected', { code: 'X' }, 'changes'],
  ])('%s answers 400 naming the field, and changes and appends nothing', async (_what, changes, field) => {
    const [code] = await register(ctx, world);
    const before = { events: await eventCount(), item: await item(code!) };
    const res = await corrected(world.people.officer, code!, changes);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'urn:custody:problem:validation-failed',
      detail: expect.stringContaining(field),
    });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect({ events: await eventCount(), item: await item(code!) }).toEqual(before);
  });

  test('an optional particular is cleared with null, and values are stored as registration stores them', async () => {
    const [code] = await register(ctx, world);
    const res = await corrected(world.people.officer, code!, {
      seizedAt: '2026-11-02T10:15:00+08:00',
      seizedFrom: null,
      description: '  手机一部  ',
    });
    expect(res.status).toBe(201);
    expect(await item(code!)).toMatchObject({
      seizedAt: '2026-11-02T02:15:00.000Z',
      seizedFrom: null,
      description: '手机一部',
    });
    const events = (await as(ctx, world.people.inspector).get(`/items/${code}/events`)).body.items;
    expect(events.at(-1).envelope.payload.changes).toEqual({
      seizedAt: '2026-11-02T02:15:00.000Z',
      seizedFrom: null,
      description: '手机一部',
    });
    expect((await as(ctx, world.people.inspector).get('/ledger/verify')).body).toMatchObject({ ok: true });
  });
});

describe('every correction replays to the row it wrote', () => {
  const nonBlank = (max: number) =>
    fc
      .tuple(
        fc.constantFrom('', ' ', '\u3000'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
        fc.constantFrom('', ' \t'),
      )
      .map((parts) => parts.join(''))
      .filter((text) => text.trim().length > 0 && text.length <= max && !text.includes('\u0000'));
  const decimalText = fc
    .tuple(
      fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
      fc.nat({ max: 2 }),
      fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
    )
    .map(([whole, zeros, fraction]) => `${'0'.repeat(zeros)}${whole}${fraction === undefined ? '' : `.${fraction}`}`)
    .filter((text) => /^\d{1,15}(\.\d{1,6})?$/.test(text));
  const decimal = fc.oneof(
    decimalText,
    fc.integer({ min: 0, max: 1e9 }),
    fc.double({ min: 0, max: 1e6, noNaN: true }).filter((n) => /^\d+(\.\d{1,6})?$/.test(String(n))),
  );
  const positive = decimal.filter((v) => Number(v) > 0);
  const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
  // A time as people write it: a local time in any year of four digits, with any offset.
  const instant = fc
    .tuple(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.integer({ min: -14 * 60, max: 14 * 60 }),
    )
    .map(
      ([local, offset]) =>
        `${local.toISOString().slice(0, 23)}${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`,
    )
    .filter((text) => /^(?!0000)\d{4}-/.test(new Date(text).toISOString()));
  const optional = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });

  const changes = fc.record({
    category: fc.constantFrom(...CATEGORIES),
    description: nonBlank(2000),
    quantity: positive,
    unit: nonBlank(20),
    weightGrams: optional(decimal),
    amount: optional(decimal),
    currency: optional(fc.stringMatching(/^[A-Z]{3}$/)),
    serialNumber: optional(nonBlank(100)),
    sealNumber: optional(nonBlank(100)),
    seizedAt: instant,
    seizedFrom: optional(nonBlank(200)),
    seizedPlace: optional(nonBlank(500)),
  } satisfies Record<Correctable, fc.Arbitrary<unknown>>);

  /** The value as the ledger keeps it, worked out apart from the schemas: text trimmed and NFC, decimals and times in one form. */
  function asTheLedgerKeeps(field: Correctable, value: unknown): unknown {
    if (value === null) return null;
    if (['quantity', 'weightGrams', 'amount'].includes(field)) {
      const [whole, fraction = ''] = String(value).split('.');
      return `${BigInt(whole!)}${fraction.replace(/0+$/, '') ? `.${fraction.replace(/0+$/, '')}` : ''}`;
    }
    if (field === 'seizedAt') return new Date(String(value)).toISOString();
    return String(value).trim().normalize('NFC');
  }

  test('every particular corrected with random valid values, directly and through four eyes, and the whole ledger verifies', async () => {
    const approve = (requestId: string) => as(ctx, world.people.approver).post(`/requests/${requestId}/approve`, {});
    await fc.assert(
      fc.asyncProperty(changes, fc.boolean(), async (all, together) => {
        const code = await handedOver([phone]);
        const free = Object.fromEntries(
          Object.entries(all).filter(([field]) => !CONTROLLED.includes(field as Correctable)),
        );
        const controlled = Object.fromEntries(
          Object.entries(all).filter(([field]) => CONTROLLED.includes(field as Correctable)),
        );
        for (const part of together ? [all] : [free, controlled]) {
          const res = await corrected(world.people.warehouse, code, part);
          if (part === free)
            expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 201, detail: undefined });
          else
            expect({
              status: res.status,
              detail: res.body.detail,
              approved: (await approve(res.body.requestId)).status,
            }).toEqual({ status: 202, detail: undefined, approved: 200 });
        }
        const row = await item(code);
        for (const [field, value] of Object.entries(all))
          expect([field, row[field]]).toEqual([field, asTheLedgerKeeps(field as Correctable, value)]);
        expect(await verified()).toMatchObject({ ok: true, failure: null });
      }),
      { numRuns: 30 },
    );
  }, 90_000);
});
