import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, credentialsOf, phone, received, register, stored, type World } from './world';
import { raiseDueAlerts } from '../src/custody/items/alerts';
import { checkCharacter } from '../src/custody/items/item-code';

let ctx: TestContext;
let world: World;
beforeAll(async () => {
  ctx = await createTestContext({ CUSTODY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'custody-rules-')) });
  world = await buildWorld(ctx);
});
afterAll(async () => {
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
  fs.rmSync(ctx.config.dataDir, { recursive: true, force: true });
});

const eventCount = async () =>
  Number((await ctx.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ledger_events'))[0]!.n);

/** Asserts that a refused command left the ledger as it was. */
async function refusedWithoutTrace(
  send: () => Promise<{ status: number; body: { detail: string } }>,
  status: number,
  detail: RegExp,
) {
  const before = await eventCount();
  const res = await send();
  expect({ status: res.status, detail: res.body.detail }).toEqual({ status, detail: expect.stringMatching(detail) });
  expect(await eventCount()).toBe(before);
}

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
const loanBody = (codes: (string | undefined)[]) => ({
  kind: 'loan',
  itemCodes: codes,
  reason: 'lab test',
  borrower: 'City lab',
  purpose: 'lab',
  dueAt: new Date(Date.now() + 86400_000).toISOString(),
});

describe('state and role refusals', () => {
  test('a command the state does not allow is a 409 naming the state and the allowed commands, and appends nothing', async () => {
    const [code] = await register(ctx, world);
    await refusedWithoutTrace(
      () => as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, { locationCode: world.loc('SHELF-1') }),
      409,
      /is registered: check_in is not allowed; allowed now: handover, locker_deposit/,
    );
  });

  test('roles are checked on the server', async () => {
    const [code] = await register(ctx, world);
    expect(
      (await as(ctx, world.people.officer).post(`/items/${code}/check-in`, { locationCode: world.loc('SHELF-1') }))
        .status,
    ).toBe(403);
    expect(
      (await as(ctx, world.people.warehouse).post(`/cases/${world.caseId}/items`, { items: [phone] })).status,
    ).toBe(403);
    expect((await as(ctx, world.people.inspector).post('/requests', loanBody([code]))).status).toBe(403);
  });

  test("another agency's officer gets 404 for the item and cannot act on it", async () => {
    const [code] = await register(ctx, world);
    const stranger = as(ctx, world.people.strangerOfficer);
    expect((await stranger.get(`/items/${code}`)).status).toBe(404);
    expect((await stranger.get(`/items/${code}/events`)).status).toBe(404);
    expect((await stranger.get(`/cases/${world.caseId}`)).status).toBe(404);
    await refusedWithoutTrace(() => stranger.post('/requests', loanBody([code])), 404, /does not exist/);
    const list = await stranger.get('/items');
    expect(list.body.items.map((i: { code: string }) => i.code)).not.toContain(code);
  });

  test('nobody approves their own request', async () => {
    const [code] = await stored(ctx, world);
    const request = await as(ctx, world.people.approver).post('/requests', loanBody([code]));
    expect(request.status).toBe(201);
    await refusedWithoutTrace(
      () => as(ctx, world.people.approver).post(`/requests/${request.body.id}/approve`, {}),
      403,
      /own request/,
    );
  });

  test('an approver of another agency cannot decide', async () => {
    const [code] = await stored(ctx, world);
    const request = await as(ctx, world.people.officer).post('/requests', loanBody([code]));
    expect((await as(ctx, world.people.procApprover).post(`/requests/${request.body.id}/approve`, {})).status).toBe(
      404,
    );
  });

  test('a malformed item code is a 400 naming the check character; an unknown valid code is a 404', async () => {
    const [code] = await register(ctx, world);
    const typo = code!.slice(0, 3) + (code![3] === 'A' ? 'B' : 'A') + code!.slice(4);
    const res = await as(ctx, world.people.officer).get(`/items/${typo}`);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/check character|mistyped/);
    const body = '000000000';
    expect((await as(ctx, world.people.officer).get(`/items/${body}${checkCharacter(body)}`)).status).toBe(404);
    // People's spellings find the same item.
    const spaced = `${code!.slice(0, 4)}-${code!.slice(4, 8)}-${code!.slice(8)}`.toLowerCase();
    expect((await as(ctx, world.people.officer).get(`/items/${spaced}`)).body.code).toBe(code);
  });

  test('bad item input lists every wrong field', async () => {
    const res = await as(ctx, world.people.officer).post(`/cases/${world.caseId}/items`, {
      items: [
        { category: 'spaceship', description: '', quantity: -1, unit: '个', seizedAt: 'yesterday', currency: 'yuan' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['items.0.category', 'items.0.currency', 'items.0.description', 'items.0.quantity', 'items.0.seizedAt'].sort(),
    );
  });
});

describe('witnesses', () => {
  test('cash needs a second person at check-in, who confirms with their own password', async () => {
    const [code] = await register(ctx, world, [cash]);
    const warehouse = as(ctx, world.people.warehouse);
    expect(
      (await warehouse.post('/handovers', { itemCodes: [code], handedOverBy: credentialsOf(world.people.officer) }))
        .status,
    ).toBe(201);
    const body = { locationCode: world.loc('SAFE') };
    await refusedWithoutTrace(() => warehouse.post(`/items/${code}/check-in`, body), 422, /cash needs a witness/);
    await refusedWithoutTrace(
      () => warehouse.post(`/items/${code}/check-in`, { ...body, witness: credentialsOf(world.people.warehouse) }),
      422,
      /someone other/,
    );
    await refusedWithoutTrace(
      () =>
        warehouse.post(`/items/${code}/check-in`, {
          ...body,
          witness: { username: world.people.warehouse2.user.username, password: 'wrong' },
        }),
      422,
      /witness's username or password is wrong/,
    );
    const ok = await warehouse.post(`/items/${code}/check-in`, {
      ...body,
      witness: credentialsOf(world.people.warehouse2),
    });
    expect(ok.status).toBe(200);
    const events = (await warehouse.get(`/items/${code}/events`)).body.items;
    expect(events.at(-1).envelope.payload.witnessId).toBe(world.people.warehouse2.user.id);
  });

  test("a wrong handing officer's password refuses the whole hand-over", async () => {
    const codes = await register(ctx, world, [phone, phone]);
    await refusedWithoutTrace(
      () =>
        as(ctx, world.people.warehouse).post('/handovers', {
          itemCodes: codes,
          handedOverBy: { username: world.people.officer.user.username, password: 'nope' },
        }),
      422,
      /handing officer/,
    );
  });
});

describe('locations', () => {
  test.each([
    ['ROOM-X', /reserved for items of PSB2/],
    ['DOCS', /takes only document, not electronics/],
    ['ZONE-G', /is a zone; items go in/],
    ['NOWHERE', /does not exist/],
  ])('a check-in to %s is refused with the reason', async (place, reason) => {
    const [code] = await register(ctx, world);
    await as(ctx, world.people.warehouse).post('/handovers', {
      itemCodes: [code],
      handedOverBy: credentialsOf(world.people.officer),
    });
    await refusedWithoutTrace(
      () => as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, { locationCode: world.loc(place) }),
      422,
      reason,
    );
  });

  test('cash may only go where there is a safe', async () => {
    const [code] = await register(ctx, world, [cash]);
    await as(ctx, world.people.warehouse).post('/handovers', {
      itemCodes: [code],
      handedOverBy: credentialsOf(world.people.officer),
    });
    await refusedWithoutTrace(
      () =>
        as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, {
          locationCode: world.loc('SHELF-1'),
          witness: credentialsOf(world.people.warehouse2),
        }),
      422,
      /cash must be kept in a safe location/,
    );
  });

  test('a full location is refused', async () => {
    await stored(ctx, world, [phone], 'BIN-S');
    const [code] = await register(ctx, world);
    await as(ctx, world.people.warehouse).post('/handovers', {
      itemCodes: [code],
      handedOverBy: credentialsOf(world.people.officer),
    });
    await refusedWithoutTrace(
      () => as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, { locationCode: world.loc('BIN-S') }),
      422,
      /full \(capacity 1\)/,
    );
  });

  test('GET /items?location= finds items in the whole subtree', async () => {
    const [code] = await stored(ctx, world);
    const res = await as(ctx, world.people.inspector).get(`/items?location=${world.loc('ZONE-P')}&limit=200`);
    expect(res.body.items.map((i: { code: string }) => i.code)).toContain(code);
    const other = await as(ctx, world.people.inspector).get(`/items?location=${world.loc('ZONE-G')}&limit=200`);
    expect(other.body.items.map((i: { code: string }) => i.code)).not.toContain(code);
  });
});

describe('loans and returns', () => {
  test('check-out needs an approved loan that includes the item', async () => {
    const [code, other] = await stored(ctx, world, [phone, phone]);
    const request = await as(ctx, world.people.officer).post('/requests', loanBody([code!]));
    await refusedWithoutTrace(
      () =>
        as(ctx, world.people.warehouse).post(`/items/${code}/check-out`, {
          requestId: request.body.id,
          condition: 'ok',
        }),
      409,
      /is requested; only an approved request/,
    );
    await as(ctx, world.people.approver).post(`/requests/${request.body.id}/approve`, {});
    await refusedWithoutTrace(
      () =>
        as(ctx, world.people.warehouse).post(`/items/${other}/check-out`, {
          requestId: request.body.id,
          condition: 'ok',
        }),
      422,
      /is not part of request/,
    );
  });

  test('a return with another seal, count or weight is recorded and raised as an alert', async () => {
    const [code] = await stored(ctx, world);
    const request = await as(ctx, world.people.officer).post('/requests', loanBody([code!]));
    await as(ctx, world.people.approver).post(`/requests/${request.body.id}/approve`, {});
    await as(ctx, world.people.warehouse).post(`/items/${code}/check-out`, {
      requestId: request.body.id,
      condition: 'sealed',
    });
    const back = await as(ctx, world.people.warehouse).post(`/items/${code}/return`, {
      locationCode: world.loc('SHELF-1'),
      condition: 'seal broken',
      sealNumber: 'LAB-77',
      quantity: 2,
      weightGrams: 150,
    });
    expect(back.status).toBe(200);
    expect(back.body.mismatches).toEqual([
      'seal LAB-77 instead of S-0001',
      'quantity 2 instead of 1 部',
      'weight 150 g instead of 180 g',
    ]);
    expect(back.body.item.sealNumber).toBe('LAB-77');
    const alerts = await as(ctx, world.people.warehouse).get('/alerts?kind=return_mismatch');
    expect(alerts.body.items.find((a: { itemCode: string }) => a.itemCode === code).message).toMatch(/seal LAB-77/);
  });

  test('overdue loans and due reviews are listed and raised once as alerts in the ledger', async () => {
    const [code] = await stored(ctx, world);
    const request = await as(ctx, world.people.officer).post('/requests', loanBody([code!]));
    await as(ctx, world.people.approver).post(`/requests/${request.body.id}/approve`, {});
    await as(ctx, world.people.warehouse).post(`/items/${code}/check-out`, {
      requestId: request.body.id,
      condition: 'ok',
    });
    const inTwoDays = new Date(Date.now() + 2 * 86400_000);
    const first = await raiseDueAlerts(ctx.orm.em.fork(), inTwoDays);
    expect(first.raised).toBeGreaterThanOrEqual(1);
    expect((await raiseDueAlerts(ctx.orm.em.fork(), inTwoDays)).raised).toBe(0);
    const events = (await as(ctx, world.people.warehouse).get(`/items/${code}/events`)).body.items;
    expect(events.at(-1).envelope).toMatchObject({ type: 'alert', actor: null, payload: { kind: 'loan_overdue' } });
    const alerts = await as(ctx, world.people.approver).get('/alerts?kind=loan_overdue');
    expect(alerts.body.items.map((a: { itemCode: string }) => a.itemCode)).toContain(code);

    // Review dates: a year from seizure for electronics, so due when moved close.
    await as(ctx, world.people.approver).post(`/items/${code}/review-date`, {
      reviewDate: '2026-01-01',
      reason: 'case closed early',
    });
    const due = await as(ctx, world.people.approver).get('/reviews/due?limit=200');
    expect(due.body.items.map((i: { code: string }) => i.code)).toContain(code);
  });
});

describe('holds, disposal, transfers', () => {
  test('a legal hold blocks a disposal request, and a hold placed after approval blocks the disposal itself', async () => {
    const [code] = await stored(ctx, world);
    await as(ctx, world.people.approver).post(`/items/${code}/hold`, { reason: '上诉期内' });
    const disposal = {
      kind: 'disposal',
      itemCodes: [code],
      reason: 'closed',
      method: 'destroyed',
      orderReference: 'ORDER-1',
    };
    await refusedWithoutTrace(
      () => as(ctx, world.people.officer).post('/requests', disposal),
      409,
      /legal hold \(上诉期内\)/,
    );
    await as(ctx, world.people.approver).delete(`/items/${code}/hold`, { reason: '上诉期满' });
    const request = await as(ctx, world.people.officer).post('/requests', disposal);
    await as(ctx, world.people.approver).post(`/requests/${request.body.id}/approve`, {});
    await as(ctx, world.people.clerk).post(`/items/${code}/hold`, { reason: '新线索' });
    await refusedWithoutTrace(
      () => as(ctx, world.people.warehouse).post(`/items/${code}/dispose`, { requestId: request.body.id }),
      409,
      /legal hold/,
    );
  });

  test('a refused transfer leaves legal custody where it was; a cancelled request can no longer be approved', async () => {
    const [code] = await stored(ctx, world);
    const transfer = await as(ctx, world.people.officer).post('/requests', {
      kind: 'transfer',
      itemCodes: [code],
      reason: 'r',
      toAgencyCode: world.agencies.court.code,
    });
    await as(ctx, world.people.approver).post(`/requests/${transfer.body.id}/approve`, {});
    expect((await as(ctx, world.people.procClerk).post(`/requests/${transfer.body.id}/accept`, {})).status).toBe(404);
    const refused = await as(ctx, world.people.courtClerk).post(`/requests/${transfer.body.id}/refuse`, {
      note: '材料不全',
    });
    expect(refused.body.status).toBe('refused');
    expect((await as(ctx, world.people.officer).get(`/items/${code}`)).body.owningAgencyCode).toBe(
      world.agencies.police.code,
    );

    const loan = await as(ctx, world.people.officer).post('/requests', loanBody([code!]));
    expect(
      (await as(ctx, world.people.officer).post(`/requests/${loan.body.id}/cancel`, { note: 'not needed' })).body
        .status,
    ).toBe('cancelled');
    await refusedWithoutTrace(
      () => as(ctx, world.people.approver).post(`/requests/${loan.body.id}/approve`, {}),
      409,
      /is cancelled/,
    );
  });

  test('an item cannot have two open requests of one kind', async () => {
    const [code] = await stored(ctx, world);
    expect((await as(ctx, world.people.officer).post('/requests', loanBody([code!]))).status).toBe(201);
    await refusedWithoutTrace(
      () => as(ctx, world.people.officer2).post('/requests', loanBody([code!])),
      409,
      /already has an open loan request/,
    );
  });
});

describe('lockers, corrections, attachments, idempotency', () => {
  test('an officer deposits into a locker compartment and the warehouse retrieves it', async () => {
    const [code] = await register(ctx, world);
    const deposit = await as(ctx, world.people.officer).post(`/items/${code}/locker-deposit`, {
      compartmentCode: world.loc('C1'),
    });
    expect(deposit.status).toBe(200);
    expect(deposit.body.item).toMatchObject({ state: 'in_locker', locationCode: world.loc('C1'), holderUserId: null });
    await refusedWithoutTrace(
      () =>
        as(ctx, world.people.officer).post(`/items/${code}/locker-deposit`, { compartmentCode: world.loc('SHELF-1') }),
      409,
      /is in_locker/,
    );
    const retrieved = await as(ctx, world.people.warehouse).post(`/items/${code}/locker-retrieve`);
    expect(retrieved.body.item).toMatchObject({
      state: 'received',
      holderUserId: world.people.warehouse.user.id,
      locationCode: null,
    });
  });

  test('a correction is a new event pointing at the corrected one; the original stays as it was', async () => {
    const [code] = await register(ctx, world);
    const before = (await as(ctx, world.people.officer).get(`/items/${code}/events`)).body.items[0];
    const res = await as(ctx, world.people.officer).post(`/items/${code}/corrections`, {
      correctsIndex: before.index,
      changes: { description: '黑色华为手机一部（屏幕完好）' },
      note: '登记时描述有误',
    });
    expect(res.status).toBe(201);
    expect(res.body.item.description).toBe('黑色华为手机一部（屏幕完好）');
    const events = (await as(ctx, world.people.officer).get(`/items/${code}/events`)).body.items;
    expect(events[0].canonical).toBe(before.canonical);
    expect(events[1].envelope.payload).toMatchObject({
      corrects: String(before.index),
      correctsType: 'registered',
      previous: { description: phone.description },
    });
    await refusedWithoutTrace(
      () =>
        as(ctx, world.people.officer).post(`/items/${code}/corrections`, {
          correctsIndex: 0,
          changes: { unit: '台' },
          note: 'x',
        }),
      422,
      /is not an event of item/,
    );
  });

  test('photos are stored under their SHA-256, valuables need one before check-in, and a swapped file is refused', async () => {
    const valuables = { ...phone, category: 'valuables', description: '金手镯一只' };
    const [code] = await register(ctx, world, [valuables]);
    const warehouse = as(ctx, world.people.warehouse);
    await warehouse.post('/handovers', { itemCodes: [code], handedOverBy: credentialsOf(world.people.officer) });
    const checkIn = { locationCode: world.loc('SAFE'), witness: credentialsOf(world.people.warehouse2) };
    await refusedWithoutTrace(() => warehouse.post(`/items/${code}/check-in`, checkIn), 422, /must be photographed/);

    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f00050001ff56c72f0d0000000049454e44ae426082',
      'hex',
    );
    const upload = await warehouse.upload(`/items/${code}/attachments?filename=front.png`, 'image/png', png);
    expect(upload.status).toBe(201);
    expect(upload.body.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect((await warehouse.post(`/items/${code}/check-in`, checkIn)).status).toBe(200);

    const download = await warehouse.get(`/items/${code}/attachments/${upload.body.attachmentId}`).buffer(true);
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body, png)).toBe(0);

    const file = `${ctx.config.dataDir}/attachments/${upload.body.sha256.slice(0, 2)}/${upload.body.sha256}`;
    fs.writeFileSync(file, Buffer.concat([png, Buffer.from('tampered')]));
    const swapped = await warehouse.get(`/items/${code}/attachments/${upload.body.attachmentId}`);
    expect(swapped.status).toBe(409);
    expect(swapped.body.detail).toMatch(/does not match the SHA-256 recorded in the ledger/);

    const text = await warehouse.upload(`/items/${code}/attachments`, 'text/plain', 'hello');
    expect(text.status).toBe(415);
  });

  test('a retry with the same Idempotency-Key returns the first answer and appends nothing', async () => {
    const [code] = await register(ctx, world);
    const warehouse = as(ctx, world.people.warehouse);
    await warehouse.post('/handovers', { itemCodes: [code], handedOverBy: credentialsOf(world.people.officer) });
    const body = { locationCode: world.loc('SHELF-1') };
    const first = await warehouse.post(`/items/${code}/check-in`, body).set('Idempotency-Key', `check-in-${code}`);
    expect(first.status).toBe(200);
    const before = await eventCount();
    const retry = await warehouse.post(`/items/${code}/check-in`, body).set('Idempotency-Key', `check-in-${code}`);
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await eventCount()).toBe(before);

    const other = await warehouse
      .post(`/items/${code}/move`, { locationCode: world.loc('SHELF-2') })
      .set('Idempotency-Key', `check-in-${code}`);
    expect(other.status).toBe(422);
    // A refused command is answered the same way again, too.
    const refused = await warehouse.post(`/items/${code}/check-in`, body).set('Idempotency-Key', `again-${code}`);
    const refusedAgain = await warehouse.post(`/items/${code}/check-in`, body).set('Idempotency-Key', `again-${code}`);
    expect([refused.status, refusedAgain.status]).toEqual([409, 409]);
    expect(refusedAgain.headers['content-type']).toMatch(/problem\+json/);
  });

  test('a key left unanswered by a stopped server: carried out is never run again, not carried out runs once abandoned', async () => {
    const warehouse = as(ctx, world.people.warehouse);
    const [done, undone] = await received(ctx, world, 2);
    const body = { locationCode: world.loc('SHELF-1') };
    const keyOf = (code: string) => `crash-${code}`;
    const em = ctx.orm.em.fork();
    // The command carried out: its key is marked in the command's own transaction. Then the answer is lost.
    expect((await warehouse.post(`/items/${done}/check-in`, body).set('Idempotency-Key', keyOf(done!))).status).toBe(
      200,
    );
    const [mark] = await em.execute<{ carried_out: boolean }[]>(
      'select carried_out from idempotency_keys where key = ?',
      [keyOf(done!)],
    );
    expect(mark!.carried_out).toBe(true);
    await em.execute(
      `update idempotency_keys set status = null, response = null, created_at = now() - interval '10 minutes' where key = ?`,
      [keyOf(done!)],
    );
    const before = await eventCount();
    const retryDone = await warehouse.post(`/items/${done}/check-in`, body).set('Idempotency-Key', keyOf(done!));
    expect(retryDone.status).toBe(409);
    expect(retryDone.body.detail).toMatch(/was carried out, but the server stopped before answering/);
    expect(await eventCount()).toBe(before);

    // A key taken by a request that never committed: still in progress for a while, then the retry runs it.
    await em.execute(
      `insert into idempotency_keys (user_id, key, method, path, request_hash, created_at)
       values (?, ?, 'POST', ?, sha256(convert_to(?, 'UTF8')), now())`,
      [
        world.people.warehouse.user.id,
        keyOf(undone!),
        `/api/v1/items/${undone}/check-in`,
        `POST /api/v1/items/${undone}/check-in\n${JSON.stringify(body)}`,
      ],
    );
    const early = await warehouse.post(`/items/${undone}/check-in`, body).set('Idempotency-Key', keyOf(undone!));
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/still being processed/);
    await em.execute(`update idempotency_keys set created_at = now() - interval '10 minutes' where key = ?`, [
      keyOf(undone!),
    ]);
    const late = await warehouse.post(`/items/${undone}/check-in`, body).set('Idempotency-Key', keyOf(undone!));
    expect(late.status).toBe(200);
    expect(late.body.item).toMatchObject({ code: undone, state: 'stored' });
    const replay = await warehouse.post(`/items/${undone}/check-in`, body).set('Idempotency-Key', keyOf(undone!));
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await eventCount()).toBe(before + 1);
  });
});
