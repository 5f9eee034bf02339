import request from 'supertest';
import { brokerAddresses } from '../src/devices/addresses';
import type { TestContext } from './context';
import { as, phone, setUpWorld, stored, type Actor, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => {
  ctx = c;
  world = w;
});

const patch = (actor: Actor, path: string, body: object) =>
  request(ctx.app).patch(`/api/v1${path}`).set('Authorization', actor.auth).send(body);
const admin = () => world.people.admin;
/** The directory log's entries about one subject, oldest first. */
const logOf = async (subjectId: string) =>
  (await as(ctx, admin()).get(`/directory/log?subjectId=${subjectId}&limit=200`)).body.items.map(
    (e: { entry: { action: string; change: object } }) => e.entry,
  );

describe('PATCH /agencies/{id}', () => {
  test('renames an agency and corrects its kind, recorded in the directory log; the same values again record nothing', async () => {
    const agency = world.agencies.procuratorate;
    const res = await patch(admin(), `/agencies/${agency.id}`, { name: '东城区检察院（更名）', kind: 'commission' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: agency.code, name: '东城区检察院（更名）', kind: 'commission' });
    expect((await as(ctx, admin()).get(`/agencies/${agency.id}`)).body.name).toBe('东城区检察院（更名）');
    expect((await patch(admin(), `/agencies/${agency.id}`, { name: '东城区检察院（更名）' })).status).toBe(200);
    expect(await logOf(agency.id)).toEqual([
      expect.objectContaining({
        action: 'agency.changed',
        change: {
          name: { from: agency.name, to: '东城区检察院（更名）' },
          kind: { from: 'procuratorate', to: 'commission' },
        },
      }),
    ]);
    expect((await patch(admin(), `/agencies/${agency.id}`, { kind: 'procuratorate' })).status).toBe(200);
  });

  test('refuses a change of code, an empty change, a non-administrator and an unknown agency', async () => {
    const { id } = world.agencies.court;
    const code = await patch(admin(), `/agencies/${id}`, { code: 'NEW' });
    expect(code.status).toBe(400);
    expect(code.body.detail).toMatch(/code/);
    const empty = await patch(admin(), `/agencies/${id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/must change the name or the kind/);
    expect((await patch(world.people.inspector, `/agencies/${id}`, { name: 'x' })).status).toBe(403);
    const unknown = await patch(admin(), '/agencies/00000000-0000-4000-8000-000000000000', { name: 'x y' });
    expect(unknown.status).toBe(404);
  });
});

describe('PATCH /locations/{code}', () => {
  test('a capacity below what the location holds is refused, naming the count; the rule then applies to check-ins', async () => {
    const shelf = world.loc('SHELF-1');
    await stored(ctx, world, [phone, phone]);
    const tight = await patch(admin(), `/locations/${shelf}`, { capacity: 1 });
    expect(tight.status).toBe(409);
    expect(tight.body.detail).toBe(`${shelf} holds 2 items: its capacity cannot be less than 2`);
    const full = await patch(admin(), `/locations/${shelf}`, { capacity: 2, name: '一号货架' });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ code: shelf, name: '一号货架', capacity: 2 });
    await expect(stored(ctx, world, [phone])).rejects.toThrow(/is full \(capacity 2\)/);
    expect((await patch(admin(), `/locations/${shelf}`, { capacity: null })).body.capacity).toBeNull();
    const entries = await logOf(full.body.id);
    expect(entries.map((e: { action: string }) => e.action)).toEqual([
      'location.created',
      'location.changed',
      'location.changed',
    ]);
    expect(entries[1].change).toEqual({
      code: shelf,
      name: { from: 'Shelf 1', to: '一号货架' },
      capacity: { from: '50', to: '2' },
    });
  });

  test('a reservation or a list of categories that what is kept there breaks is refused; null lifts a rule', async () => {
    const room = world.loc('ROOM-1');
    // Two phones on shelf 1 from the test before, one on shelf 2, all under room 1.
    await stored(ctx, world, [phone], 'SHELF-2');
    const other = await patch(admin(), `/locations/${room}`, {
      reservedForAgencyCode: world.agencies.otherPolice.code,
    });
    expect(other.status).toBe(409);
    expect(other.body.detail).toContain(`other agencies than ${world.agencies.otherPolice.code}`);
    expect(other.body.detail).toMatch(/\(\w+ among them\) are kept in/);
    const own = await patch(admin(), `/locations/${room}`, { reservedForAgencyCode: world.agencies.police.code });
    expect(own.status).toBe(200);
    expect(own.body.reservedAgencyId).toBe(world.agencies.police.id);

    const documents = await patch(admin(), `/locations/${room}`, { allowedCategories: ['document'] });
    expect(documents.status).toBe(409);
    expect(documents.body.detail).toMatch(/^3 items of other categories \(\w+ among them\) are kept in /);
    const both = await patch(admin(), `/locations/${room}`, { allowedCategories: ['electronics', 'document'] });
    expect(both.body.allowedCategories).toEqual(['electronics', 'document']);
    const lifted = await patch(admin(), `/locations/${room}`, { allowedCategories: null, reservedForAgencyCode: null });
    expect(lifted.body).toMatchObject({ allowedCategories: null, reservedAgencyId: null });
    const unknown = await patch(admin(), `/locations/${room}`, { reservedForAgencyCode: 'NOPE' });
    expect(unknown.status).toBe(422);

    // An empty place takes any rule, and check-ins then follow it.
    const x = await patch(admin(), `/locations/${world.loc('BIN-S')}`, {
      reservedForAgencyCode: world.agencies.otherPolice.code,
    });
    expect(x.status).toBe(200);
    await expect(stored(ctx, world, [phone], 'BIN-S')).rejects.toThrow(/reserved for items of/);
  });

  test('a feature an item below needs cannot be taken away unless another place on its way up provides it', async () => {
    const made = await as(ctx, admin()).post('/locations', {
      code: world.loc('COLD'),
      name: 'Cold room',
      kind: 'room',
      parentCode: world.loc('ZONE-G'),
      features: ['cold'],
    });
    expect(made.status).toBe(201);
    const sample = { ...phone, category: 'biological', description: '血样一份', unit: '份' };
    await stored(ctx, world, [sample], 'COLD');
    const taken = await patch(admin(), `/locations/${world.loc('COLD')}`, { features: [] });
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toMatch(/must be kept in a cold location: move them before taking cold away/);
    expect((await patch(admin(), `/locations/${world.loc('ZONE-G')}`, { features: ['cold'] })).status).toBe(200);
    const now = await patch(admin(), `/locations/${world.loc('COLD')}`, { features: ['safe'] });
    expect(now.status).toBe(200);
    expect(now.body.features).toEqual(['safe']);
  });

  test('refuses a change of kind or parent, an empty change, a non-administrator and an unknown location', async () => {
    const shelf = world.loc('SHELF-2');
    expect((await patch(admin(), `/locations/${shelf}`, { kind: 'bin' })).status).toBe(400);
    expect((await patch(admin(), `/locations/${shelf}`, { parentCode: world.loc('SAFE') })).status).toBe(400);
    const empty = await patch(admin(), `/locations/${shelf}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/must change at least one field/);
    expect((await patch(admin(), `/locations/${shelf}`, { capacity: 0 })).status).toBe(400);
    expect((await patch(world.people.warehouse, `/locations/${shelf}`, { name: 'x' })).status).toBe(403);
    expect((await patch(admin(), '/locations/NO-SUCH-PLACE', { name: 'x' })).status).toBe(404);
  });
});

describe('devices', () => {
  test('GET /devices/broker names the broker as the configuration does, for administrators only', async () => {
    const res = await as(ctx, admin()).get('/devices/broker');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      urls: [`mqtt://${ctx.config.mqttHost}:${ctx.config.mqttPort}`],
      topicRoot: 'custody/v1',
    });
    expect((await as(ctx, world.people.warehouse).get('/devices/broker')).status).toBe(403);
  });

  test('the broker is named by how the server was reached when it listens everywhere, TLS first, never with the server’s credentials', () => {
    const base = { mqttUrl: undefined, mqttHost: '0.0.0.0', mqttPort: 1883, mqttTls: undefined, mqttWsPort: undefined };
    expect(brokerAddresses(base, 'custody.example').urls).toEqual(['mqtt://custody.example:1883']);
    expect(
      brokerAddresses(
        { ...base, mqttHost: '::', mqttTls: { port: 8883, cert: 'c', key: 'k' }, mqttWsPort: 8080 },
        '[fd00::1]',
      ).urls,
    ).toEqual(['mqtts://[fd00::1]:8883', 'mqtt://[fd00::1]:1883', 'ws://[fd00::1]:8080']);
    expect(brokerAddresses({ ...base, mqttHost: 'fd00::2' }, 'x').urls).toEqual(['mqtt://[fd00::2]:1883']);
    expect(brokerAddresses({ ...base, mqttPort: 0 }, 'x').urls).toEqual([]);
    expect(brokerAddresses({ ...base, mqttUrl: 'mqtts://custody:secret@emqx.internal:8883' }, 'x').urls).toEqual([
      'mqtts://emqx.internal:8883',
    ]);
  });

  test('a device is listed with where it stands, whether it is online and when it was last heard', async () => {
    const made = await as(ctx, admin()).post('/devices', {
      code: world.loc('SCAN'),
      kind: 'scanner',
      mode: 'check_in',
      locationCode: world.loc('SHELF-2'),
    });
    expect(made.status).toBe(201);
    const list = await as(ctx, admin()).get('/devices');
    expect(list.body.items).toContainEqual(
      expect.objectContaining({
        code: world.loc('SCAN'),
        online: false,
        lastSeenAt: null,
        createdAt: expect.any(String),
      }),
    );
    expect(list.body.items.find((d: { code: string }) => d.code === world.loc('SCAN')).locationId).toEqual(
      expect.any(String),
    );
  });
});
