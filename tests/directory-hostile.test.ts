import pg from 'pg';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { callerCache } from '../src/api/auth';
import { loadConfig } from '../src/config';
import { GroupCommit } from '../src/custody/items/group-commit';
import { passwordWeakness } from '../src/custody/directory/password-policy';
import { createLogger } from '../src/logger';
import { createTestContext, type TestContext } from './context';
import { signedIn, TEST_PASSWORD } from './factories';
import { as, buildWorld, register, stored, type World } from './world';

// The attacks of issue 14 on sign-in and the directory, as one insider would try them.

const METRICS_TOKEN = 'metrics-scraper-token-0123456789abcdef';
// No delays, so that concurrent attempts really run together; five attempts per username or address.
const throttle = { windowMinutes: 15, slowAfter: 5, refuseAfter: 5, stepDelayMs: 0, maxDelayMs: 0 };

let ctx: TestContext;
let world: World;
beforeAll(async () => {
  ctx = await createTestContext({ TRUST_PROXY: 'true', METRICS_TOKEN }, { loginThrottle: throttle });
  world = await buildWorld(ctx);
});
afterAll(() => ctx.close());

let address = 0;
/** A client address of its own, so that only the per-username count is shared. */
const nextAddress = () => `10.77.${Math.floor(++address / 250)}.${address % 250}`;

const login = (username: string, password: string, ip = nextAddress()) =>
  request(ctx.app).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ username, password });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (token: string) => request(ctx.app).get('/api/v1/me').set(bearer(token));
const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('guessing passwords concurrently', () => {
  test('25 concurrent sign-ins for one username (24 wrong, one right) check at most the policy number of passwords', async () => {
    const { user } = await signedIn(ctx);
    const attempts = Array.from({ length: 25 }, (_, i) =>
      login(user.username, i === 12 ? TEST_PASSWORD : `wrong guess ${i}`),
    );
    const statuses = (await Promise.all(attempts)).map((res) => res.status);
    // A 401 or a 200 is a password that was checked; a 429 one that was not.
    expect(countOf(statuses, 401) + countOf(statuses, 200)).toBeLessThanOrEqual(throttle.refuseAfter);
    expect(countOf(statuses, 429)).toBeGreaterThanOrEqual(25 - throttle.refuseAfter);
  });

  test("25 concurrent hand-overs naming one officer with wrong passwords check at most the policy number of the officer's passwords", async () => {
    const officer = await signedIn(ctx, { roles: ['officer'], agency: world.agencies.police });
    const [code] = await register(ctx, world);
    const attempts = Array.from({ length: 25 }, (_, i) =>
      as(ctx, world.people.warehouse)
        .post('/handovers', {
          itemCodes: [code],
          handedOverBy: { username: officer.user.username, password: `wrong guess ${i}` },
        })
        .set('X-Forwarded-For', nextAddress()),
    );
    const statuses = (await Promise.all(attempts)).map((res) => res.status);
    expect(countOf(statuses, 422)).toBeLessThanOrEqual(throttle.refuseAfter);
    expect(countOf(statuses, 429)).toBeGreaterThanOrEqual(25 - throttle.refuseAfter);
  });
});

describe('the attempt count and the command', () => {
  test("a hand-over refused for the officer's wrong password leaves its Idempotency-Key not carried out", async () => {
    const [code] = await register(ctx, world);
    const key = `refused-handover-${world.loc('K')}`;
    const res = await as(ctx, world.people.warehouse)
      .post('/handovers', {
        itemCodes: [code],
        handedOverBy: { username: world.people.officer2.user.username, password: 'not the password' },
      })
      .set('Idempotency-Key', key)
      .set('X-Forwarded-For', nextAddress());
    expect(res.status).toBe(422);
    const [row] = await ctx.orm.em
      .fork()
      .execute<{ carried_out: boolean }[]>('select carried_out from idempotency_keys where key = ?', [key]);
    expect(row!.carried_out).toBe(false);
  });
});

describe('password policy', () => {
  test.each([
    ['one repeated character', 'aaaaaaaaaaaa'],
    ['a run of digits', '123456789012'],
    ['a keyboard row', 'qwertyuiopas'],
    ['a common password', 'password1234'],
    ['a common password with its case changed and symbols after it', 'Iloveyou!!!!'],
    ['two characters repeated', 'abababababab'],
    ['the username', 'policy.victim'],
  ])('an administrator cannot give a user %s as password', async (_name, password) => {
    const res = await as(ctx, world.people.admin).post('/users', {
      username: 'policy.victim',
      displayName: 'Policy victim',
      agencyCode: world.agencies.police.code,
      roles: ['officer'],
      password: password === 'policy.victim' ? 'policy.victim-2026' : password,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'password' })]);
  });

  test.each([
    'P@ssw0rd!2024',
    'Correct-Horse-Battery-Staple1',
    'zhangwei19880101',
    '0987654321098',
    'zyxwvutsrqpo',
    'short pw',
  ])('the policy refuses %s', (password) => {
    expect(passwordWeakness(password, 'li')).not.toBeNull();
  });

  test('the password every test user has passes the policy', () => {
    expect(passwordWeakness(TEST_PASSWORD, 'user-0a1b2c3d')).toBeNull();
  });

  test.each(['a long enough password', 'tr0ub4dor&3 horse', '门口的银杏树叶子全都黄了', 'first start passphrase 2026'])(
    'the policy accepts %s',
    (password) => {
      expect(passwordWeakness(password, 'li')).toBeNull();
    },
  );

  test('a user cannot change their own password to a trivial one, and the old one stays', async () => {
    const user = await signedIn(ctx);
    const res = await request(ctx.app)
      .post('/api/v1/auth/password')
      .set('Authorization', user.auth)
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'bbbbbbbbbbbb' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('newPassword');
    expect((await login(user.user.username, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('a stolen token', () => {
  test('signing out refuses this token at once, and only this one', async () => {
    const { user } = await signedIn(ctx);
    const first = (await login(user.username, TEST_PASSWORD)).body.accessToken as string;
    const second = (await login(user.username, TEST_PASSWORD)).body.accessToken as string;
    expect((await me(first)).status).toBe(200); // now kept by this process as verified
    expect((await request(ctx.app).post('/api/v1/auth/logout').set(bearer(first))).status).toBe(204);
    const refused = await me(first);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/signed out/);
    expect((await me(second)).status).toBe(200);
  });

  test('signing out everywhere refuses every token of the user, also in another API process', async () => {
    const { user } = await signedIn(ctx);
    const tokens = [
      (await login(user.username, TEST_PASSWORD)).body.accessToken,
      (await login(user.username, TEST_PASSWORD)).body.accessToken,
    ] as string[];
    // A second instance on the same database, with caches of its own that learn of changes by notification.
    const callers = callerCache(ctx.orm);
    await callers.watch(ctx.url, createLogger({ logLevel: 'silent' }));
    const other = createApp({
      orm: ctx.orm,
      config: ctx.config,
      logger: createLogger({ logLevel: 'silent' }),
      tokens: ctx.tokens,
      ledger: ctx.ledger,
      callers,
      placements: new GroupCommit(ctx.orm),
    });
    try {
      for (const token of tokens) expect((await request(other).get('/api/v1/me').set(bearer(token))).status).toBe(200);
      expect((await request(ctx.app).post('/api/v1/auth/logout-everywhere').set(bearer(tokens[0]!))).status).toBe(204);
      for (const token of tokens) expect((await me(token)).status).toBe(401);
      const deadline = Date.now() + 2000;
      let statuses: number[] = [];
      do {
        statuses = await Promise.all(
          tokens.map(async (token) => (await request(other).get('/api/v1/me').set(bearer(token))).status),
        );
      } while (statuses.some((s) => s !== 401) && Date.now() < deadline);
      expect(statuses).toEqual([401, 401]);
    } finally {
      await callers.close();
    }
  });

  test("changing one's password needs the current one, answers a new token and refuses every older token", async () => {
    const { user } = await signedIn(ctx);
    const stolen = (await login(user.username, TEST_PASSWORD)).body.accessToken as string;
    const mine = (await login(user.username, TEST_PASSWORD)).body.accessToken as string;
    const wrong = await request(ctx.app)
      .post('/api/v1/auth/password')
      .set(bearer(stolen))
      .send({ currentPassword: 'not my password', newPassword: 'a new and private passphrase' });
    expect(wrong.status).toBe(422);
    expect((await me(stolen)).status).toBe(200);

    const changed = await request(ctx.app)
      .post('/api/v1/auth/password')
      .set(bearer(mine))
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'a new and private passphrase' });
    expect(changed.status).toBe(200);
    expect(changed.body.passwordChangeRequired).toBe(false);
    expect((await me(changed.body.accessToken)).status).toBe(200);
    expect((await me(stolen)).status).toBe(401);
    expect((await me(mine)).status).toBe(401);
    expect((await login(user.username, TEST_PASSWORD)).status).toBe(401);
    expect((await login(user.username, 'a new and private passphrase')).status).toBe(200);
    expect(ctx.logs.join('\n')).not.toContain('a new and private passphrase');
  });

  test("an administrator's new password for a user refuses the user's tokens and must be changed at the next sign-in", async () => {
    const victim = await signedIn(ctx, { roles: ['officer'], agency: world.agencies.police });
    expect((await me(victim.token)).status).toBe(200);
    const reset = await as(ctx, world.people.admin).post(`/users/${victim.user.id}/password`, {
      password: 'set by the administrator',
    });
    expect(reset.status).toBe(200);
    expect((await me(victim.token)).status).toBe(401);

    const signIn = await login(victim.user.username, 'set by the administrator');
    expect(signIn.status).toBe(200);
    expect(signIn.body.passwordChangeRequired).toBe(true);
    const limited = signIn.body.accessToken as string;
    const refused = await request(ctx.app).get('/api/v1/cases').set(bearer(limited));
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/change the password/);
    const changed = await request(ctx.app)
      .post('/api/v1/auth/password')
      .set(bearer(limited))
      .send({ currentPassword: 'set by the administrator', newPassword: 'chosen by the officer alone' });
    expect(changed.status).toBe(200);
    expect((await request(ctx.app).get('/api/v1/cases').set(bearer(changed.body.accessToken))).status).toBe(200);
  });

  test('a user created by an administrator must change the password at the first sign-in', async () => {
    const created = await as(ctx, world.people.admin).post('/users', {
      username: 'first.signin',
      displayName: 'First sign-in',
      agencyCode: world.agencies.police.code,
      roles: ['officer'],
      password: 'given at the counter',
    });
    expect(created.status).toBe(201);
    const signIn = await login('first.signin', 'given at the counter');
    expect(signIn.body.passwordChangeRequired).toBe(true);
    expect(
      (
        await request(ctx.app)
          .post(`/api/v1/cases`)
          .set(bearer(signIn.body.accessToken))
          .send({ caseNumber: 'X-1', title: 'x', openedOn: '2026-11-01' })
      ).status,
    ).toBe(403);
  });

  test('a deactivated user can be reactivated by an administrator, and not by anyone else', async () => {
    const user = await signedIn(ctx, { roles: ['officer'], agency: world.agencies.police });
    expect((await as(ctx, world.people.admin).post(`/users/${user.user.id}/deactivate`)).status).toBe(200);
    expect((await login(user.user.username, TEST_PASSWORD)).status).toBe(401);
    expect((await as(ctx, world.people.approver).post(`/users/${user.user.id}/reactivate`)).status).toBe(403);
    const res = await as(ctx, world.people.admin).post(`/users/${user.user.id}/reactivate`);
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(true);
    expect((await login(user.user.username, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('the directory log', () => {
  const log = async () => {
    const res = await as(ctx, world.people.inspector).get('/directory/log?limit=200');
    expect(res.status).toBe(200);
    return res.body as {
      items: {
        seq: number;
        leafHash: string;
        entry: { action: string; actor: unknown; subject: { id: string }; change: unknown };
      }[];
      total: number;
    };
  };

  test("an administrator's changes to agencies, users, locations and devices are in the log, in order, with who made them", async () => {
    const admin = as(ctx, world.people.admin);
    const before = (await log()).total;
    const agency = await admin.post('/agencies', {
      code: `LOG-${world.loc('A')}`,
      name: 'Logged agency',
      kind: 'police',
    });
    const user = await admin.post('/users', {
      username: `logged.${world.loc('u').toLowerCase()}`,
      displayName: 'Logged',
      agencyCode: agency.body.code,
      roles: ['officer'],
      password: 'the secret password 42',
    });
    await request(ctx.app)
      .put(`/api/v1/users/${user.body.id}/roles`)
      .set('Authorization', world.people.admin.auth)
      .send({ roles: ['officer', 'approver'] });
    await admin.post(`/users/${user.body.id}/password`, { password: 'another secret password 43' });
    await admin.post(`/users/${user.body.id}/deactivate`);
    await admin.post(`/users/${user.body.id}/reactivate`);
    const location = await admin.post('/locations', {
      code: world.loc('LOGGED-SHELF'),
      name: 'Logged shelf',
      kind: 'shelf',
      parentCode: world.loc('ROOM-1'),
    });
    const device = await admin.post('/devices', {
      code: world.loc('LOGGED-SCANNER'),
      kind: 'scanner',
      mode: 'check_in',
    });
    await admin.post(`/devices/${device.body.id}/rotate-password`);
    await admin.post(`/devices/${device.body.id}/disable`);

    const { items, total } = await log();
    const added = items.slice(before);
    expect(total - before).toBe(10);
    expect(added.map((e) => e.entry.action)).toEqual([
      'agency.created',
      'user.created',
      'user.roles_changed',
      'user.password_set',
      'user.deactivated',
      'user.reactivated',
      'location.created',
      'device.registered',
      'device.password_rotated',
      'device.disabled',
    ]);
    for (const e of added)
      expect(e.entry.actor).toEqual({ id: world.people.admin.user.id, username: world.people.admin.user.username });
    expect(added.map((e) => e.entry.subject.id)).toEqual([
      agency.body.id,
      ...Array(5).fill(user.body.id),
      location.body.id,
      ...Array(3).fill(device.body.id),
    ]);
    expect(added[2]!.entry.change).toEqual({ roles: { from: ['officer'], to: ['officer', 'approver'] } });
    const text = JSON.stringify(added);
    expect(text).not.toMatch(/secret password|scrypt|passwordHash|\$6\$/);
    expect(text).not.toContain(device.body.password);

    const ofUser = await as(ctx, world.people.inspector).get(`/directory/log?subjectId=${user.body.id}`);
    expect(ofUser.body.items.map((e: { entry: { action: string } }) => e.entry.action)).toEqual(
      added.slice(1, 6).map((e) => e.entry.action),
    );
  });

  test('a refused change appends nothing', async () => {
    const before = (await log()).total;
    const res = await as(ctx, world.people.admin).post('/agencies', {
      code: world.agencies.police.code,
      name: 'Duplicate',
      kind: 'police',
    });
    expect(res.status).toBe(409);
    expect((await log()).total).toBe(before);
  });

  test('only inspectors and administrators read it', async () => {
    for (const who of ['officer', 'approver', 'warehouse'] as const) {
      expect((await as(ctx, world.people[who]).get('/directory/log')).status).toBe(403);
    }
  });

  test('it verifies, and PostgreSQL refuses UPDATE, DELETE and TRUNCATE on it', async () => {
    const verified = await as(ctx, world.people.inspector).get('/directory/log/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.size).toBeGreaterThan(0);
    const db = new pg.Client({ connectionString: ctx.url });
    await db.connect();
    try {
      for (const sql of [
        "update directory_log set entry = '{}'",
        'delete from directory_log',
        'truncate directory_log',
      ]) {
        await expect(db.query(sql)).rejects.toThrow(/append-only/);
      }
    } finally {
      await db.end();
    }
  });

  test('an entry rewritten behind the triggers fails verification at that entry', async () => {
    const { items } = await log();
    const target = items[1]!;
    const db = new pg.Client({ connectionString: ctx.url });
    await db.connect();
    try {
      await db.query('begin');
      await db.query('alter table directory_log disable trigger directory_log_append_only');
      await db.query(`update directory_log set entry = replace(entry, '"action":"', '"action":"x') where seq = $1`, [
        target.seq,
      ]);
      const res = await as(ctx, world.people.inspector).get('/directory/log/verify');
      // The tampering is not committed yet: this connection sees the original.
      expect(res.body.ok).toBe(true);
      const text = (await db.query('select entry from directory_log where seq = $1', [target.seq])).rows[0]
        .entry as string;
      expect(text).toContain('"action":"x');
      await db.query('commit');
      const after = await as(ctx, world.people.inspector).get('/directory/log/verify');
      expect(after.body).toMatchObject({ ok: false, failure: { seq: target.seq } });
    } finally {
      await db
        .query('alter table directory_log enable always trigger directory_log_append_only')
        .catch(() => undefined);
      await db.end();
    }
  });
});

describe('metrics and alerts', () => {
  test('/metrics is refused without the scraper token and served with it', async () => {
    expect((await request(ctx.app).get('/metrics')).status).toBe(401);
    expect((await request(ctx.app).get('/metrics').set(bearer('wrong-token-wrong-token-wrong-token'))).status).toBe(
      401,
    );
    const res = await request(ctx.app).get('/metrics').set(bearer(METRICS_TOKEN));
    expect(res.status).toBe(200);
    expect(res.text).toContain('custody_http_requests_total');
  });

  test('/metrics is refused to everyone when no METRICS_TOKEN is configured', async () => {
    const app = createApp({
      orm: ctx.orm,
      config: loadConfig({ LOG_LEVEL: 'silent', CUSTODY_DATA_DIR: '/nonexistent' }),
      logger: createLogger({ logLevel: 'silent' }),
      tokens: ctx.tokens,
      ledger: ctx.ledger,
      placements: new GroupCommit(ctx.orm),
    });
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/METRICS_TOKEN/);
  });

  test("an approver sees their own agency's alerts, not those of places or of other agencies", async () => {
    const [code] = await register(ctx, world);
    const em = ctx.orm.em.fork();
    const [item] = await em.execute<{ id: string }[]>('select id from items where code = ?', [code]);
    await em.execute(
      `insert into alerts (id, kind, item_id, message) values (gen_random_uuid(), 'return_mismatch', ?, 'own agency item'), (gen_random_uuid(), 'locker_silent', null, 'a locker of the centre is silent')`,
      [item!.id],
    );
    const mine = await as(ctx, world.people.approver).get('/alerts?limit=200');
    expect(mine.status).toBe(200);
    const messages = mine.body.items.map((a: { message: string }) => a.message);
    expect(messages).toContain('own agency item');
    expect(messages).not.toContain('a locker of the centre is silent');
    const other = await as(ctx, world.people.procApprover).get('/alerts?limit=200');
    expect(other.body.items.map((a: { message: string }) => a.message)).toEqual([]);
    const warehouse = await as(ctx, world.people.warehouse).get('/alerts?limit=200');
    expect(warehouse.body.items.map((a: { message: string }) => a.message)).toEqual(
      expect.arrayContaining(['own agency item', 'a locker of the centre is silent']),
    );
  });

  test("an item's alerts move with legal custody: the approver of the agency that transferred it neither lists nor resolves them", async () => {
    const [code] = await stored(ctx, world);
    const em = ctx.orm.em.fork();
    const [item] = await em.execute<{ id: string }[]>('select id from items where code = ?', [code]);
    const [alert] = await em.execute<{ id: string }[]>(
      `insert into alerts (id, kind, item_id, message) values (gen_random_uuid(), 'return_mismatch', ?, 'transferred item') returning id`,
      [item!.id],
    );
    const transfer = await as(ctx, world.people.officer).post('/requests', {
      kind: 'transfer',
      itemCodes: [code],
      reason: '移送审查起诉',
      toAgencyCode: world.agencies.procuratorate.code,
    });
    expect((await as(ctx, world.people.approver).post(`/requests/${transfer.body.id}/approve`, {})).status).toBe(200);
    expect((await as(ctx, world.people.procClerk).post(`/requests/${transfer.body.id}/accept`, {})).body.status).toBe(
      'carried_out',
    );

    const messages = async (who: keyof World['people']) =>
      (await as(ctx, world.people[who]).get('/alerts?limit=200')).body.items.map((a: { message: string }) => a.message);
    expect(await messages('approver')).not.toContain('transferred item');
    expect(await messages('procApprover')).toContain('transferred item');
    const resolve = (who: keyof World['people'], body: object) =>
      as(ctx, world.people[who]).post(`/alerts/${alert!.id}/resolve`, body);
    expect((await resolve('approver', { note: '已核实' })).status).toBe(404);
    // Dealing with an alert says what was done, and that is kept with it.
    const silent = await resolve('procApprover', {});
    expect(silent.status).toBe(400);
    expect(silent.body.errors[0]).toMatchObject({ in: 'body', field: 'note' });
    const resolved = await resolve('procApprover', { note: '已联系移送单位核实' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      resolutionNote: '已联系移送单位核实',
      resolvedByName: world.people.procApprover.user.displayName,
    });
    const listed = await as(ctx, world.people.procApprover).get('/alerts?status=resolved&limit=200');
    expect(listed.body.items.find((a: { id: string }) => a.id === alert!.id)).toMatchObject({
      resolutionNote: '已联系移送单位核实',
      resolvedByName: world.people.procApprover.user.displayName,
    });
  });
});
