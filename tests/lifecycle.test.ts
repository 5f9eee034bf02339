import type { TestContext } from './context';
import { as, credentialsOf, phone, register, setUpWorld, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]));

test('an item goes from seizure through hand-over, storage, a loan, two transfers and disposal, with a verified history', async () => {
  const { people, loc } = world;
  const officer = as(ctx, people.officer);
  const warehouse = as(ctx, people.warehouse);
  const approver = as(ctx, people.approver);

  // Registration: the code, item number, review date and the seizing officer as holder.
  const [code] = await register(ctx, world);
  const registered = await officer.get(`/items/${code}`);
  expect(registered.status).toBe(200);
  expect(registered.body).toMatchObject({
    state: 'registered',
    itemNo: 1,
    description: phone.description,
    quantity: '1',
    weightGrams: '180',
    seizedAt: '2026-11-02T01:30:00.000Z',
    holderUserId: people.officer.user.id,
    reviewDate: '2027-11-02',
    owningAgencyCode: world.agencies.police.code,
  });
  expect(registered.body.allowedCommands).toEqual(expect.arrayContaining(['handover', 'locker_deposit']));

  // Hand-over: one receipt, both people, the item now held by the centre.
  const handover = await warehouse.post('/handovers', {
    itemCodes: [code],
    handedOverBy: credentialsOf(people.officer),
    note: '封存完好',
  });
  expect(handover.status).toBe(201);
  expect(handover.body.fromUser.id).toBe(people.officer.user.id);
  expect(handover.body.toUser.id).toBe(people.warehouse.user.id);
  expect(handover.body.items.map((i: { code: string }) => i.code)).toEqual([code]);
  expect((await warehouse.get(`/handovers/${handover.body.id}`)).body.items[0].state).toBe('received');

  const checkIn = await warehouse.post(`/items/${code}/check-in`, { locationCode: loc('SHELF-1') });
  expect(checkIn.status).toBe(200);
  expect(checkIn.body.item).toMatchObject({ state: 'stored', locationCode: loc('SHELF-1'), holderUserId: null });

  const moved = await warehouse.post(`/items/${code}/move`, { locationCode: loc('SHELF-2') });
  expect(moved.body.item.locationCode).toBe(loc('SHELF-2'));

  // A loan to the lab: requested by the officer, approved by the supervisor, checked out and back.
  const due = new Date(Date.now() + 7 * 86400_000).toISOString();
  const loan = await officer.post('/requests', {
    kind: 'loan',
    itemCodes: [code],
    reason: '电子数据提取',
    borrower: '市局鉴定中心 李工',
    purpose: 'lab',
    dueAt: due,
  });
  expect(loan.status).toBe(201);
  expect((await approver.post(`/requests/${loan.body.id}/approve`, { note: '同意' })).body.status).toBe('approved');
  const out = await warehouse.post(`/items/${code}/check-out`, { requestId: loan.body.id, condition: '完好' });
  expect(out.status).toBe(200);
  expect(out.body.item).toMatchObject({
    state: 'on_loan',
    holderName: '市局鉴定中心 李工',
    loanDueAt: due,
    locationCode: null,
  });
  expect((await officer.get(`/requests/${loan.body.id}`)).body.status).toBe('carried_out');
  const back = await warehouse.post(`/items/${code}/return`, {
    locationCode: loc('SHELF-2'),
    condition: '完好',
    sealNumber: 'S-0001',
    quantity: 1,
    weightGrams: 180.5,
  });
  expect(back.status).toBe(200);
  expect(back.body.mismatches).toEqual([]);
  expect(back.body.item).toMatchObject({
    state: 'stored',
    locationCode: loc('SHELF-2'),
    holderName: null,
    loanDueAt: null,
  });

  // Transfer to the procuratorate, then to the court: legal custody moves, the item stays on its shelf.
  const toProc = await officer.post('/requests', {
    kind: 'transfer',
    itemCodes: [code],
    reason: '移送审查起诉',
    toAgencyCode: world.agencies.procuratorate.code,
  });
  await approver.post(`/requests/${toProc.body.id}/approve`, {});
  // Offered, the item may be read by the procuratorate before it answers, but it is still the police's.
  const offered = await as(ctx, people.procClerk).get(`/items/${code}`);
  expect(offered.status).toBe(200);
  expect(offered.body.owningAgencyCode).toBe(world.agencies.police.code);
  const accepted = await as(ctx, people.procClerk).post(`/requests/${toProc.body.id}/accept`, { note: '已接收' });
  expect(accepted.body.status).toBe('carried_out');
  const atProc = await as(ctx, people.procClerk).get(`/items/${code}`);
  expect(atProc.body).toMatchObject({
    owningAgencyCode: world.agencies.procuratorate.code,
    state: 'stored',
    locationCode: loc('SHELF-2'),
  });

  const toCourt = await as(ctx, people.procClerk).post('/requests', {
    kind: 'transfer',
    itemCodes: [code],
    reason: '提起公诉',
    toAgencyCode: world.agencies.court.code,
  });
  expect(toCourt.status).toBe(201);
  await as(ctx, people.procApprover).post(`/requests/${toCourt.body.id}/approve`, {});
  expect((await as(ctx, people.courtClerk).post(`/requests/${toCourt.body.id}/accept`, {})).status).toBe(200);
  // The police and the procuratorate still see an item they once held; only the court decides now.
  expect((await officer.get(`/items/${code}`)).body.owningAgencyCode).toBe(world.agencies.court.code);

  // The court orders disposal; the centre carries it out.
  const disposal = await as(ctx, people.courtClerk).post('/requests', {
    kind: 'disposal',
    itemCodes: [code],
    reason: '判决生效',
    method: 'returned_to_owner',
    orderReference: '(2026)东刑初字第88号',
  });
  expect(disposal.status).toBe(201);
  await as(ctx, people.courtApprover).post(`/requests/${disposal.body.id}/approve`, {});
  const disposed = await warehouse.post(`/items/${code}/dispose`, { requestId: disposal.body.id, recipient: '张某' });
  expect(disposed.status).toBe(200);
  expect(disposed.body.item).toMatchObject({
    state: 'disposed',
    disposalMethod: 'returned_to_owner',
    locationCode: null,
  });
  expect(disposed.body.item.allowedCommands).toEqual(['correction', 'attachment']);

  // The history: every step in order, with actor, time and place, hash-chained.
  const history = await as(ctx, people.inspector).get(`/items/${code}/events`);
  expect(history.status).toBe(200);
  const events = history.body.items;
  expect(events.map((e: { type: string }) => e.type)).toEqual([
    'registered',
    'handover',
    'check_in',
    'move',
    'request_created',
    'request_approved',
    'check_out',
    'return',
    'request_created',
    'transfer_offered',
    'transfer_accepted',
    'request_created',
    'transfer_offered',
    'transfer_accepted',
    'request_created',
    'request_approved',
    'disposed',
  ]);
  events.forEach(
    (
      event: {
        itemSeq: number;
        prevItemHash: string | null;
        envelope: { itemSeq: string; actor: string; recordedAt: string };
      },
      i: number,
    ) => {
      expect(event.itemSeq).toBe(i + 1);
      expect(event.envelope.itemSeq).toBe(String(i + 1));
      expect(event.prevItemHash).toBe(i === 0 ? null : events[i - 1].leafHash);
      expect(event.envelope.actor).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(event.envelope.recordedAt)).not.toBeNaN();
    },
  );
  expect(events[1].envelope.payload).toMatchObject({
    fromUserId: people.officer.user.id,
    toUserId: people.warehouse.user.id,
    note: '封存完好',
  });
  expect(events[2].actorName).toBe(people.warehouse.user.displayName);
  expect(events[6].envelope).toMatchObject({
    type: 'check_out',
    requestId: loan.body.id,
    from: 'stored',
    to: 'on_loan',
  });
  expect(events[16].envelope.payload).toMatchObject({
    method: 'returned_to_owner',
    orderReference: '(2026)东刑初字第88号',
    recipient: '张某',
  });

  const verified = await as(ctx, people.inspector).get('/ledger/verify');
  expect(verified.body).toMatchObject({ ok: true, failure: null });
  expect(verified.body.size).toBeGreaterThanOrEqual(events.length);
});
