import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeJpeg, makePdf, makePng } from './attachment-fixtures';
import type { TestContext } from './context';
import { binary } from './decode';
import { as, phone, register, setUpWorld, stored, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]), {
  CUSTODY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'custody-approver-')),
});
afterAll(() => fs.rmSync(ctx.config.dataDir, { recursive: true, force: true }));

const ids = (body: { items: { id: string }[] }) => body.items.map((r) => r.id);

/** A transfer of `codes` from the police to `toAgencyCode`, filed by the world's officer. */
async function transfer(codes: string[], toAgencyCode = world.agencies.procuratorate.code): Promise<string> {
  const res = await as(ctx, world.people.officer).post('/requests', {
    kind: 'transfer',
    itemCodes: codes,
    reason: '移送审查起诉',
    toAgencyCode,
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function approve(id: string, approver = world.people.approver) {
  expect((await as(ctx, approver).post(`/requests/${id}/approve`, {})).status).toBe(200);
}

describe('requests name their people', () => {
  test('the requester, approver and answerer are named beside their ids, in a page and read alone', async () => {
    const { officer, approver, procClerk } = world.people;
    const [code] = await register(ctx, world);
    const created = await as(ctx, officer).post('/requests', {
      kind: 'transfer',
      itemCodes: [code],
      reason: '移送审查起诉',
      toAgencyCode: world.agencies.procuratorate.code,
    });
    expect(created.body).toMatchObject({
      requesterName: officer.user.displayName,
      decidedByName: null,
      answeredByName: null,
    });
    const approved = await as(ctx, approver).post(`/requests/${created.body.id}/approve`, {});
    expect(approved.body).toMatchObject({ decidedBy: approver.user.id, decidedByName: approver.user.displayName });
    const accepted = await as(ctx, procClerk).post(`/requests/${created.body.id}/accept`, { note: '已核对' });
    expect(accepted.body).toMatchObject({
      answeredBy: procClerk.user.id,
      answeredByName: procClerk.user.displayName,
      answerNote: '已核对',
    });

    const named = {
      requesterName: officer.user.displayName,
      decidedByName: approver.user.displayName,
      answeredByName: procClerk.user.displayName,
    };
    expect((await as(ctx, procClerk).get(`/requests/${created.body.id}`)).body).toMatchObject(named);
    const page = await as(ctx, approver).get(`/requests?item=${code}`);
    expect(page.body.items).toEqual([expect.objectContaining({ id: created.body.id, ...named })]);
  });

  test('a page of requests by different people names each of them', async () => {
    const [first, second] = await register(ctx, world, [phone, phone]);
    const byOfficer = await transfer([first!]);
    const byClerk = await as(ctx, world.people.clerk).post('/requests', {
      kind: 'transfer',
      itemCodes: [second],
      reason: '移送',
      toAgencyCode: world.agencies.court.code,
    });
    await approve(byOfficer);
    const page = (await as(ctx, world.people.approver).get('/requests?limit=200')).body.items;
    expect(page).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: byOfficer,
          requesterName: world.people.officer.user.displayName,
          decidedByName: world.people.approver.user.displayName,
        }),
        expect.objectContaining({
          id: byClerk.body.id,
          requesterName: world.people.clerk.user.displayName,
          decidedByName: null,
        }),
      ]),
    );
  });
});

test("side=deciding lists the requests the caller's agency decides, side=receiving the transfers offered to it", async () => {
  const [kept, offered] = await register(ctx, world, [phone, phone]);
  const accepted = await transfer([kept!]);
  await approve(accepted);
  expect((await as(ctx, world.people.procClerk).post(`/requests/${accepted}/accept`, {})).status).toBe(200);
  const toCourt = await as(ctx, world.people.procClerk).post('/requests', {
    kind: 'transfer',
    itemCodes: [kept],
    reason: '提起公诉',
    toAgencyCode: world.agencies.court.code,
  });
  expect(toCourt.status).toBe(201);
  const pending = await transfer([offered!]);
  await approve(pending);
  const mine = [accepted, toCourt.body.id, pending];
  const listed = async (who: World['people'][keyof World['people']], query = '') =>
    ids((await as(ctx, who).get(`/requests?limit=200${query}`)).body).filter((id) => mine.includes(id));

  const { procApprover, approver, inspector } = world.people;
  expect((await listed(procApprover)).sort()).toEqual([...mine].sort());
  expect(await listed(procApprover, '&side=deciding')).toEqual([toCourt.body.id]);
  expect((await listed(procApprover, '&side=receiving')).sort()).toEqual([accepted, pending].sort());
  expect((await listed(approver, '&side=deciding')).sort()).toEqual([accepted, pending].sort());
  expect(await listed(approver, '&side=receiving')).toEqual([]);
  // It narrows what the caller sees, never widens it: the centre's inspector sees all, decides none of these.
  expect((await listed(inspector)).sort()).toEqual([...mine].sort());
  expect(await listed(inspector, '&side=deciding')).toEqual([]);
  expect(await listed(world.people.strangerOfficer, '&side=receiving')).toEqual([]);
  expect((await as(ctx, approver).get('/requests?side=both')).status).toBe(400);
});

test('reviewDue=true lists the items due for review: not one due later, nor a disposed one', async () => {
  const [due, later, disposed] = await stored(ctx, world, [phone, phone, phone]);
  const approver = as(ctx, world.people.approver);
  const review = (code: string, reviewDate: string) =>
    approver.post(`/items/${code}/review-date`, { reviewDate, reason: '复核期限调整' });
  expect((await review(due!, '2020-01-01')).status).toBe(200);
  expect((await review(later!, '2099-12-31')).status).toBe(200);
  expect((await review(disposed!, '2020-01-01')).status).toBe(200);
  const disposal = await as(ctx, world.people.officer).post('/requests', {
    kind: 'disposal',
    itemCodes: [disposed],
    reason: '判决生效',
    method: 'destroyed',
    orderReference: '(2026)东刑初字第1号',
  });
  await approve(disposal.body.id);
  const gone = await as(ctx, world.people.warehouse).post(`/items/${disposed}/dispose`, {
    requestId: disposal.body.id,
  });
  expect(gone.body.item.state).toBe('disposed');

  const mine = [due, later, disposed];
  const listed = async (who: World['people'][keyof World['people']], query: string) => {
    const res = await as(ctx, who).get(`/items?caseId=${world.caseId}&limit=200${query}`);
    expect(res.status).toBe(200);
    return res.body.items.map((i: { code: string }) => i.code).filter((c: string) => mine.includes(c));
  };
  expect(await listed(world.people.approver, '&reviewDue=true')).toEqual([due]);
  expect((await listed(world.people.approver, '&reviewDue=false')).sort()).toEqual([...mine].sort());
  expect(await listed(world.people.strangerOfficer, '&reviewDue=true')).toEqual([]);
  expect((await approver.get('/items?reviewDue=yes')).status).toBe(400);
});

test('an item read alone lists its photographs, oldest first, but not its documents; the list does not', async () => {
  const [code] = await register(ctx, world);
  const officer = as(ctx, world.people.officer);
  const upload = async (type: string, data: Buffer, filename?: string) => {
    const res = await officer.upload(
      `/items/${code}/attachments${filename ? `?filename=${filename}` : ''}`,
      type,
      data,
    );
    expect(res.status).toBe(201);
    return res.body.attachmentId as string;
  };
  const png = await upload('image/png', makePng(4, 3), 'front.png');
  await upload('application/pdf', await makePdf(), 'record.pdf');
  const jpeg = await upload('image/jpeg', await makeJpeg());

  const item = await officer.get(`/items/${code}`);
  expect(item.body.photos).toEqual([
    { id: png, filename: 'front.png' },
    { id: jpeg, filename: null },
  ]);
  const [listed] = (await officer.get(`/items?q=${code}`)).body.items;
  expect(listed.code).toBe(code);
  expect(listed).not.toHaveProperty('photos');
});

test('the receiving agency reads an offered transfer’s items, and only reads them, while the offer stands', async () => {
  const [code] = await register(ctx, world);
  const png = makePng(2, 2);
  const photo = await as(ctx, world.people.officer).upload(
    `/items/${code}/attachments?filename=a.png`,
    'image/png',
    png,
  );
  expect(photo.status).toBe(201);
  const proc = as(ctx, world.people.procClerk);
  const reads = async (who = proc) => {
    const [item, events, attachment, history] = await Promise.all([
      who.get(`/items/${code}`),
      who.get(`/items/${code}/events`),
      who.get(`/items/${code}/attachments/${photo.body.attachmentId}`).buffer(true).parse(binary),
      who.get(`/items/${code}/history.pdf`).buffer(true).parse(binary),
    ]);
    return { item, events, attachment, history, statuses: [item, events, attachment, history].map((r) => r.status) };
  };

  const requested = await transfer([code!]);
  expect((await reads()).statuses).toEqual([404, 404, 404, 404]);

  await approve(requested);
  const offered = await reads();
  expect(offered.statuses).toEqual([200, 200, 200, 200]);
  expect(offered.item.body).toMatchObject({ code, owningAgencyCode: world.agencies.police.code });
  expect(offered.item.body.photos).toEqual([{ id: photo.body.attachmentId, filename: 'a.png' }]);
  expect(offered.events.body.items.map((e: { type: string }) => e.type)).toEqual([
    'registered',
    'attachment_added',
    'request_created',
    'transfer_offered',
  ]);
  expect(Buffer.compare(offered.attachment.body, png)).toBe(0);
  expect(offered.history.body.subarray(0, 5).toString()).toBe('%PDF-');
  // Only those reads: no command, no label, and the list is as it was.
  expect((await proc.post(`/items/${code}/hold`, { reason: '审查需要' })).status).toBe(404);
  expect((await as(ctx, world.people.procApprover).post(`/items/${code}/hold`, { reason: '审查' })).status).toBe(404);
  expect((await proc.upload(`/items/${code}/attachments`, 'image/png', png)).status).toBe(404);
  expect((await proc.get(`/items/${code}/label.pdf`)).status).toBe(404);
  expect((await proc.get(`/items?q=${code}`)).body.items).toEqual([]);
  // The offer is to the procuratorate, not to every agency.
  expect((await reads(as(ctx, world.people.courtClerk))).statuses).toEqual([404, 404, 404, 404]);

  const refused = await proc.post(`/requests/${requested}/refuse`, { note: '材料不全' });
  expect(refused.body).toMatchObject({ status: 'refused', answerNote: '材料不全' });
  expect((await reads()).statuses).toEqual([404, 404, 404, 404]);

  const again = await transfer([code!]);
  await approve(again);
  expect((await proc.get(`/items/${code}`)).status).toBe(200);
  expect((await as(ctx, world.people.officer).post(`/requests/${again}/cancel`, { note: '撤回' })).status).toBe(200);
  expect((await proc.get(`/items/${code}`)).status).toBe(404);
});
