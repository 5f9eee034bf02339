import request from 'supertest';
import { createTestContext, serverErrors, type TestContext } from './context';
import { makeAgency, signedIn, TEST_PASSWORD } from './factories';
import type { Role } from '../src/custody/directory/user.entity';
import type { AgencyKind } from '../src/custody/directory/agency.entity';

export type Actor = Awaited<ReturnType<typeof signedIn>>;

/** Sends requests as one user. */
export function as(ctx: TestContext, actor: Actor) {
  const auth = (r: request.Test) => r.set('Authorization', actor.auth);
  return {
    get: (path: string) => auth(request(ctx.app).get(`/api/v1${path}`)),
    post: (path: string, body?: object) => auth(request(ctx.app).post(`/api/v1${path}`)).send(body ?? {}),
    delete: (path: string, body?: object) => auth(request(ctx.app).delete(`/api/v1${path}`)).send(body ?? {}),
    upload: (path: string, type: string, data: Buffer | string) =>
      auth(request(ctx.app).post(`/api/v1${path}`))
        .set('Content-Type', type)
        .send(data),
  };
}

export const credentialsOf = (actor: Actor) => ({ username: actor.user.username, password: TEST_PASSWORD });

/**
 * A police bureau, a procuratorate, a court and a custody centre with one user per role, and a centre
 * with a zone reserved for the police, shelves, a safe, a cold room and a locker. Codes are unique per call.
 */
export async function buildWorld(ctx: TestContext) {
  const em = ctx.orm.em.fork();
  const suffix = Math.random().toString(36).slice(2, 7).toUpperCase();
  // Names as a console shows them, each its own, so that a test can tell who and which agency a screen names.
  const agency = (kind: AgencyKind, code: string, name: string) =>
    makeAgency(em, { kind, code: `${code}-${suffix}`, name });
  const police = await agency('police', 'PSB', '东城公安分局');
  const otherPolice = await agency('police', 'PSB2', '西城公安分局');
  const procuratorate = await agency('procuratorate', 'PROC', '东城区人民检察院');
  const court = await agency('court', 'COURT', '东城区人民法院');
  const centre = await agency('custody_centre', 'CTR', '涉案财物管理中心');
  const user = (roles: Role[], a: typeof police, displayName: string) =>
    signedIn(ctx, { roles, agency: a, displayName });
  const people = {
    officer: await user(['officer'], police, '王警官'),
    officer2: await user(['officer'], police, '刘警官'),
    approver: await user(['approver'], police, '陈科长'),
    clerk: await user(['clerk'], police, '周内勤'),
    strangerOfficer: await user(['officer'], otherPolice, '吴警官'),
    warehouse: await user(['warehouse'], centre, '孙保管'),
    warehouse2: await user(['warehouse'], centre, '钱保管'),
    procClerk: await user(['clerk'], procuratorate, '郑书记员'),
    procApprover: await user(['approver'], procuratorate, '冯检察官'),
    courtClerk: await user(['clerk'], court, '赵书记员'),
    courtApprover: await user(['approver'], court, '何法官'),
    inspector: await user(['inspector'], centre, '许监督'),
    admin: await user(['admin'], centre, '管理员'),
  };
  const loc = (code: string) => `${code}-${suffix}`;
  const admin = as(ctx, people.admin);
  const createLocation = async (body: object) => {
    const res = await admin.post('/locations', body);
    if (res.status !== 201) throw new Error(`location: ${JSON.stringify(res.body)}`);
  };
  await createLocation({ code: loc('SITE'), name: '中心库房', kind: 'site' });
  await createLocation({
    code: loc('ZONE-P'),
    name: 'Police zone',
    kind: 'zone',
    parentCode: loc('SITE'),
    reservedForAgencyCode: police.code,
  });
  await createLocation({ code: loc('ROOM-1'), name: 'Room 1', kind: 'room', parentCode: loc('ZONE-P') });
  await createLocation({
    code: loc('SHELF-1'),
    name: 'Shelf 1',
    kind: 'shelf',
    parentCode: loc('ROOM-1'),
    capacity: 50,
  });
  await createLocation({ code: loc('SHELF-2'), name: 'Shelf 2', kind: 'shelf', parentCode: loc('ROOM-1') });
  await createLocation({ code: loc('BIN-S'), name: 'Small bin', kind: 'bin', parentCode: loc('SHELF-2'), capacity: 1 });
  await createLocation({
    code: loc('SAFE'),
    name: 'Safe',
    kind: 'room',
    parentCode: loc('ZONE-P'),
    features: ['safe'],
  });
  await createLocation({
    code: loc('ZONE-X'),
    name: 'Other agency zone',
    kind: 'zone',
    parentCode: loc('SITE'),
    reservedForAgencyCode: otherPolice.code,
  });
  await createLocation({ code: loc('ROOM-X'), name: 'Room X', kind: 'room', parentCode: loc('ZONE-X') });
  await createLocation({ code: loc('ZONE-G'), name: 'General zone', kind: 'zone', parentCode: loc('SITE') });
  await createLocation({
    code: loc('DOCS'),
    name: 'Document room',
    kind: 'room',
    parentCode: loc('ZONE-G'),
    allowedCategories: ['document'],
  });
  await createLocation({ code: loc('LOCKER'), name: 'Locker 1', kind: 'locker', parentCode: loc('ZONE-G') });
  await createLocation({
    code: loc('C1'),
    name: 'Compartment 1',
    kind: 'compartment',
    parentCode: loc('LOCKER'),
    capacity: 1,
  });
  await createLocation({
    code: loc('C2'),
    name: 'Compartment 2',
    kind: 'compartment',
    parentCode: loc('LOCKER'),
    capacity: 1,
  });

  const caseRes = await as(ctx, people.officer).post('/cases', {
    caseNumber: `东公刑[2026]${suffix}号`,
    title: '张某盗窃案',
    openedOn: '2026-11-01',
  });
  if (caseRes.status !== 201) throw new Error(`case: ${JSON.stringify(caseRes.body)}`);

  return {
    agencies: { police, otherPolice, procuratorate, court, centre },
    people,
    loc,
    caseId: caseRes.body.id as string,
    caseNumber: caseRes.body.caseNumber as string,
  };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

/**
 * A database and a world of their own for the tests of one file (or describe block): made before the tests,
 * handed over through `set`, and closed after them, when no server error may have been logged.
 */
export function setUpWorld(set: (ctx: TestContext, world: World) => void, env: Record<string, string> = {}): void {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext(env);
    set(ctx, await buildWorld(ctx));
  });
  afterAll(async () => {
    expect(serverErrors(ctx)).toEqual([]);
    await ctx.close();
  });
}

export const phone = {
  category: 'electronics',
  description: '黑色华为手机一部，屏幕有裂痕',
  quantity: 1,
  unit: '部',
  serialNumber: 'IMEI 861234567890123',
  sealNumber: 'S-0001',
  weightGrams: 180,
  seizedAt: '2026-11-02T09:30:00+08:00',
  seizedFrom: '张某',
  seizedPlace: '东区幸福路12号',
};

/** Registers items in the world's case as its officer and returns their codes. */
export async function register(ctx: TestContext, world: World, items: object[] = [phone]): Promise<string[]> {
  const res = await as(ctx, world.people.officer).post(`/cases/${world.caseId}/items`, { items });
  if (res.status !== 201) throw new Error(`register: ${JSON.stringify(res.body)}`);
  return res.body.items.map((i: { code: string }) => i.code);
}

/** Registers `count` items and hands them over to the centre (received, ready to check in); returns their codes. */
export async function received(ctx: TestContext, world: World, count = 1): Promise<string[]> {
  const codes = await register(ctx, world, Array(count).fill(phone));
  const handover = await as(ctx, world.people.warehouse).post('/handovers', {
    itemCodes: codes,
    handedOverBy: credentialsOf(world.people.officer),
  });
  if (handover.status !== 201) throw new Error(`handover: ${JSON.stringify(handover.body)}`);
  return codes;
}

/** Registers, hands over and checks in items; returns their codes. */
export async function stored(
  ctx: TestContext,
  world: World,
  items: object[] = [phone],
  shelf = 'SHELF-1',
): Promise<string[]> {
  const codes = await register(ctx, world, items);
  const handover = await as(ctx, world.people.warehouse).post('/handovers', {
    itemCodes: codes,
    handedOverBy: credentialsOf(world.people.officer),
  });
  if (handover.status !== 201) throw new Error(`handover: ${JSON.stringify(handover.body)}`);
  for (const code of codes) {
    const res = await as(ctx, world.people.warehouse).post(`/items/${code}/check-in`, {
      locationCode: world.loc(shelf),
    });
    if (res.status !== 200) throw new Error(`check-in: ${JSON.stringify(res.body)}`);
  }
  return codes;
}
