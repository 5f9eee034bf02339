import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { callerCache } from '../src/api/auth';
import { raiseDueAlerts } from '../src/custody/items/alerts';
import { GroupCommit } from '../src/custody/items/group-commit';
import { deviceMessages } from '../src/devices/once';
import { ChangeFeed } from '../src/live/change-feed';
import { createLogger } from '../src/logger';
import { initOrm } from '../src/orm';
import type { TestContext } from './context';
import { EventStream, type StreamEvent } from './event-stream';
import { signedIn } from './factories';
import { as, phone, register, setUpWorld, type Actor, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]));

/** A second API instance on the same database, with its own pool, caller cache and change feed. */
let second: { orm: MikroORM; server: Server; close(): Promise<void> };
let first: Server;
const base = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
const listen = (app: ReturnType<typeof createApp>) =>
  new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });

beforeAll(async () => {
  first = await listen(ctx.app);
  const orm = await initOrm({ url: ctx.url, poolMax: 3 });
  const logger = createLogger({ logLevel: 'silent' });
  const callers = callerCache(orm);
  await callers.watch(ctx.url, logger);
  const changes = new ChangeFeed(orm.em.fork());
  await changes.watch(ctx.url, logger);
  const app = createApp({
    orm,
    config: ctx.config,
    logger,
    tokens: ctx.tokens,
    ledger: ctx.ledger,
    callers,
    changes,
    placements: new GroupCommit(orm, deviceMessages),
  });
  const server = await listen(app);
  second = {
    orm,
    server,
    close: async () => {
      await changes.close();
      await new Promise((resolve) => server.close(resolve));
      await callers.close();
      await orm.close(true);
    },
  };
});
afterAll(async () => {
  await second.close();
  await new Promise((resolve) => first.close(resolve));
});

const streams: EventStream[] = [];
afterEach(() => streams.splice(0).forEach((s) => s.close()));

/** A console's stream on the second instance, open and listening. */
async function streamOf(actor: Actor, lastEventId?: string): Promise<EventStream> {
  const stream = await EventStream.open(`${base(second.server)}/changes/stream`, {
    Authorization: actor.auth,
    ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
  });
  streams.push(stream);
  await stream.next(() => true);
  return stream;
}

const requestChange = (id: string, status?: string) => (e: StreamEvent) =>
  e.event === 'change' && e.data.topic === 'request' && e.data.id === id && (!status || e.data.status === status);

/** A request filed through the first instance. */
async function file(body: object, actor = world.people.officer): Promise<string> {
  const res = await request(first).post('/api/v1/requests').set('Authorization', actor.auth).send(body);
  expect(res.status).toBe(201);
  return res.body.id;
}
const loan = (codes: string[]) => ({
  kind: 'loan',
  itemCodes: codes,
  reason: '送检',
  borrower: '鉴定中心',
  purpose: 'lab',
  dueAt: new Date(Date.now() + 86_400_000).toISOString(),
});

describe('the change stream', () => {
  test('a change committed through one instance reaches a console on another, only if it may see it', async () => {
    const approver = await streamOf(world.people.approver);
    const stranger = await streamOf(world.people.strangerOfficer);
    const [code] = await register(ctx, world);

    const loanId = await file(loan([code!]));
    const told = await approver.next(requestChange(loanId, 'requested'));
    expect(told).toMatchObject({ event: 'change', data: { topic: 'request', kind: 'loan', status: 'requested' } });
    expect(told.id).toMatch(/^\d+$/);

    // A transfer offered to the other bureau concerns it: it is told of that, and of nothing before it.
    await request(first)
      .post(`/api/v1/requests/${loanId}/cancel`)
      .set('Authorization', world.people.officer.auth)
      .send({ note: '不再需要' })
      .expect(200);
    const transferId = await file({
      kind: 'transfer',
      itemCodes: [code],
      reason: '移交',
      toAgencyCode: world.agencies.otherPolice.code,
    });
    await stranger.next(requestChange(transferId));
    expect(stranger.events.filter((e) => e.event === 'change').map((e) => e.data.id)).toEqual([transferId]);
    await approver.next(requestChange(loanId, 'cancelled'));
  });

  test('an alert reaches the centre and the owning agency, not another agency', async () => {
    const warehouse = await streamOf(world.people.warehouse);
    const approver = await streamOf(world.people.approver);
    const stranger = await streamOf(
      await signedIn(ctx, { roles: ['approver'], agency: world.agencies.otherPolice, displayName: '沈科长' }),
    );
    const [code] = await register(ctx, world);
    // Every review falls due by then.
    await raiseDueAlerts(ctx.orm.em.fork(), new Date('2100-01-01'));
    const isAlert = (e: StreamEvent) => e.event === 'change' && e.data.topic === 'alert' && e.data.itemCode === code;
    const told = await warehouse.next(isAlert);
    expect(told.data).toMatchObject({ kind: 'review_due', status: 'open' });
    await approver.next(isAlert);
    // Something the stranger is told, after the alert: that it was not told of the alert is then known.
    const transferId = await file({
      kind: 'transfer',
      itemCodes: [code],
      reason: '移交',
      toAgencyCode: world.agencies.otherPolice.code,
    });
    await stranger.next(requestChange(transferId));
    expect(stranger.events.some(isAlert)).toBe(false);
  });

  test('Last-Event-ID replays what was missed, in order; what is no longer kept says reset', async () => {
    const stream = await streamOf(world.people.approver);
    const ready = stream.events[0]!;
    expect(ready.event).toBe('ready');
    stream.close();
    const [a, b] = await register(ctx, world, [phone, phone]);
    const one = await file(loan([a!]));
    const two = await file(loan([b!]));

    const resumed = await streamOf(world.people.approver, ready.id);
    await resumed.next(requestChange(two));
    const ids = resumed.events.filter((e) => e.event === 'change').map((e) => e.data.id);
    expect(ids.indexOf(one)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(one)).toBeLessThan(ids.indexOf(two));

    await ctx.orm.em.fork().execute('delete from changes');
    const tooOld = await streamOf(world.people.approver, ready.id);
    expect(tooOld.events[0]).toMatchObject({ event: 'reset' });
  });

  test('signing out ends the stream at once, on every instance', async () => {
    const someone = await signedIn(ctx, { roles: ['officer'], agency: world.agencies.police });
    const stream = await streamOf(someone);
    await request(first).post('/api/v1/auth/logout').set('Authorization', someone.auth).expect(204);
    await stream.ended;
    expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: { reason: 'signed-out' } });
    await request(second.server).get('/api/v1/changes/stream').set('Authorization', someone.auth).expect(401);
  });

  test('a bad Last-Event-ID is a problem, and the stream needs a session', async () => {
    const bad = await request(second.server)
      .get('/api/v1/changes/stream')
      .set('Authorization', world.people.approver.auth)
      .set('Last-Event-ID', 'yesterday');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.detail).toContain('Last-Event-ID');
    expect((await request(second.server).get('/api/v1/changes/stream')).status).toBe(401);
  });
});

describe('what waits', () => {
  test('each role is counted the lists that are its own, as they change', async () => {
    const { approver, officer, procClerk, warehouse } = world.people;
    const waiting = async (actor: Actor) => (await as(ctx, actor).get('/me/waiting').expect(200)).body;
    const before = { approver: await waiting(approver), proc: await waiting(procClerk) };
    expect(await waiting(officer)).toMatchObject({ decisions: null, alerts: null });
    expect(await waiting(warehouse)).toMatchObject({ decisions: null, transfers: null, dueReviews: null });

    const [code] = await register(ctx, world);
    const id = await file({
      kind: 'transfer',
      itemCodes: [code],
      reason: '移送审查起诉',
      toAgencyCode: world.agencies.procuratorate.code,
    });
    expect((await waiting(approver)).decisions).toBe(before.approver.decisions + 1);
    // Their own request waits for another approver, not for them.
    expect((await waiting(officer)).decisions).toBeNull();
    await as(ctx, approver).post(`/requests/${id}/approve`).expect(200);
    expect((await waiting(approver)).decisions).toBe(before.approver.decisions);
    expect((await waiting(procClerk)).transfers).toBe(before.proc.transfers + 1);
  });
});
