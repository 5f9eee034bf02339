import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { throttleDelay, DEFAULT_THROTTLE } from '../src/custody/directory/sign-in';
import { createTestContext, type TestContext } from './context';
import { makeUser, signedIn, TEST_PASSWORD } from './factories';

let ctx: TestContext;
const fastThrottle = { windowMinutes: 15, slowAfter: 2, refuseAfter: 4, stepDelayMs: 1, maxDelayMs: 5 };

beforeAll(async () => {
  // Each test signs in from its own X-Forwarded-For address, so per-address counts do not mix.
  ctx = await createTestContext({ TRUST_PROXY: 'true' }, { loginThrottle: fastThrottle });
});
afterAll(() => ctx.close());

const login = (username: string, password: string, ip = '10.0.0.1') =>
  request(ctx.app).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ username, password });

describe('sign-in', () => {
  test('a valid username and password return a bearer token that opens /me', async () => {
    const { user } = await makeUser(ctx.orm.em.fork(), { roles: ['warehouse'] });
    const res = await login(user.username, TEST_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 600,
      user: { id: user.id, roles: ['warehouse'] },
    });
    expect(res.body.user).not.toHaveProperty('passwordHash');

    const me = await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe(user.username);
  });

  test('a wrong password and an unknown user get the same 401 problem', async () => {
    const { user } = await makeUser(ctx.orm.em.fork());
    const wrong = await login(user.username, 'not the password', '10.0.1.1');
    const unknown = await login('nobody-here', 'whatever', '10.0.1.2');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  test('repeated failures for one username are refused with 429 and Retry-After, even with the right password', async () => {
    const { user } = await makeUser(ctx.orm.em.fork());
    for (let i = 0; i < fastThrottle.refuseAfter; i++) {
      expect((await login(user.username, 'guess-' + i, `10.1.0.${i}`)).status).toBe(401);
    }
    const refused = await login(user.username, TEST_PASSWORD, '10.1.1.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.type).toBe('urn:custody:problem:too-many-requests');
  });

  test('repeated failures from one address are refused for every username', async () => {
    const { user } = await makeUser(ctx.orm.em.fork());
    for (let i = 0; i < fastThrottle.refuseAfter; i++) await login(`someone-${i}`, 'guess', '10.2.0.1');
    expect((await login(user.username, TEST_PASSWORD, '10.2.0.1')).status).toBe(429);
    expect((await login(user.username, TEST_PASSWORD, '10.2.0.2')).status).toBe(200);
  });

  test('the throttle delays grow after a few failures, are capped, and end in refusal', () => {
    const p = DEFAULT_THROTTLE;
    expect(throttleDelay(0, p)).toBe(0);
    expect(throttleDelay(p.slowAfter - 1, p)).toBe(0);
    expect(throttleDelay(p.slowAfter, p)).toBe(p.stepDelayMs);
    expect(throttleDelay(p.slowAfter + 1, p)).toBe(2 * p.stepDelayMs);
    expect(throttleDelay(p.refuseAfter - 1, p)).toBeLessThanOrEqual(p.maxDelayMs);
    expect(throttleDelay(p.refuseAfter, p)).toBe('refuse');
  });

  test('a deactivated user cannot sign in', async () => {
    const { user } = await makeUser(ctx.orm.em.fork(), { active: false });
    expect((await login(user.username, TEST_PASSWORD, '10.3.0.1')).status).toBe(401);
  });
});

describe('language', () => {
  test('the language a user chose is theirs at every sign-in; anything but zh or en is refused and kept out', async () => {
    const actor = await signedIn(ctx);
    const put = (body: object) =>
      request(ctx.app).put('/api/v1/me/language').set('Authorization', actor.auth).send(body);
    expect((await login(actor.user.username, TEST_PASSWORD, '10.0.9.1')).body.user.language).toBeNull();

    const chosen = await put({ language: 'en' });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toMatchObject({ id: actor.user.id, language: 'en' });
    const refused = await put({ language: 'fr' });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.detail).toMatch(/language/);

    const again = await login(actor.user.username, TEST_PASSWORD, '10.0.9.2');
    expect(again.body.user.language).toBe('en');
    const me = await request(ctx.app).get('/api/v1/me').set('Authorization', actor.auth);
    expect(me.body.language).toBe('en');
  });
});

describe('tokens', () => {
  let userId: string;
  beforeAll(async () => {
    userId = (await makeUser(ctx.orm.em.fork())).user.id;
  });
  const me = (token: string) => request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
  const sign = (secret: string, options: jwt.SignOptions) =>
    jwt.sign({ tv: 0 }, secret, {
      subject: userId,
      jwtid: randomUUID(),
      issuer: 'custody',
      audience: 'custody-api',
      expiresIn: 60,
      ...options,
    });

  test('a request without a token gets 401 with a WWW-Authenticate challenge', async () => {
    const res = await request(ctx.app).get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });

  test('a correctly signed token is accepted (control for the refusals below)', async () => {
    expect((await me(sign(ctx.tokens.secret, {}))).status).toBe(200);
  });

  test.each([
    ['signed with another secret', () => sign('another-secret-another-secret-another', {})],
    [
      'expired',
      () =>
        jwt.sign({ exp: Math.floor(Date.now() / 1000) - 10 }, ctx.tokens.secret, {
          subject: userId,
          issuer: 'custody',
          audience: 'custody-api',
        }),
    ],
    ['for another audience', () => sign(ctx.tokens.secret, { audience: 'someone-else' })],
    ['from another issuer', () => sign(ctx.tokens.secret, { issuer: 'mallory' })],
    ['signed with HS512 (not allowed)', () => sign(ctx.tokens.secret, { algorithm: 'HS512' })],
    [
      'with alg none',
      () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: userId, iss: 'custody', aud: 'custody-api', iat: now, exp: now + 60 })}.`;
      },
    ],
    ['that is not a JWT', () => 'not-a-token'],
    [
      'without a token version',
      () =>
        jwt.sign({}, ctx.tokens.secret, {
          subject: userId,
          jwtid: randomUUID(),
          issuer: 'custody',
          audience: 'custody-api',
          expiresIn: 60,
        }),
    ],
    [
      'without an expiry',
      () =>
        jwt.sign({ tv: 0 }, ctx.tokens.secret, {
          subject: userId,
          jwtid: randomUUID(),
          issuer: 'custody',
          audience: 'custody-api',
        }),
    ],
    [
      'without a token id',
      () =>
        jwt.sign({ tv: 0 }, ctx.tokens.secret, {
          subject: userId,
          issuer: 'custody',
          audience: 'custody-api',
          expiresIn: 60,
        }),
    ],
    [
      'of another token version than the user has',
      () =>
        jwt.sign({ tv: 1 }, ctx.tokens.secret, {
          subject: userId,
          jwtid: randomUUID(),
          issuer: 'custody',
          audience: 'custody-api',
          expiresIn: 60,
        }),
    ],
  ])('a token %s is refused with 401', async (_name, make) => {
    const res = await me(make());
    expect(res.status).toBe(401);
    expect(res.body.status).toBe(401);
  });

  test('an expired token says so', async () => {
    const token = jwt.sign({ exp: Math.floor(Date.now() / 1000) - 10 }, ctx.tokens.secret, {
      subject: userId,
      issuer: 'custody',
      audience: 'custody-api',
    });
    expect((await me(token)).body.detail).toMatch(/expired/);
  });

  test('a token accepted before is still refused once it has expired', async () => {
    // It lives between 1 and 2 s: long enough for two requests, which keep it as verified.
    const token = jwt.sign({ tv: 0, exp: Math.floor(Date.now() / 1000) + 2 }, ctx.tokens.secret, {
      subject: userId,
      jwtid: randomUUID(),
      issuer: 'custody',
      audience: 'custody-api',
    });
    expect((await me(token)).status).toBe(200);
    expect((await me(token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const res = await me(token);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/expired/);
  });

  test("a deactivated user's existing token stops working at once", async () => {
    const admin = await signedIn(ctx, { roles: ['admin'] });
    const victim = await signedIn(ctx, { roles: ['officer'] });
    expect((await me(victim.token)).status).toBe(200);
    const res = await request(ctx.app)
      .post(`/api/v1/users/${victim.user.id}/deactivate`)
      .set('Authorization', admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await me(victim.token)).status).toBe(401);
  });
});

describe('logs', () => {
  test('never contain passwords, tokens or password hashes, and carry the request id', async () => {
    const admin = await signedIn(ctx, { roles: ['admin'] });
    const secretPassword = 'a-very-secret-password-123';
    const created = await request(ctx.app)
      .post('/api/v1/users')
      .set('Authorization', admin.auth)
      .set('X-Request-Id', 'trace-abc-123')
      .send({
        username: 'logcheck',
        displayName: 'Log check',
        agencyCode: admin.agency.code,
        roles: ['clerk'],
        password: secretPassword,
      });
    expect(created.status).toBe(201);
    const signedInRes = await login('logcheck', secretPassword, '10.9.9.9');
    expect(signedInRes.status).toBe(200);
    await login('logcheck', 'wrong-' + secretPassword, '10.9.9.9');

    const all = ctx.logs.join('');
    expect(all).toContain('trace-abc-123');
    expect(all).not.toContain(secretPassword);
    expect(all).not.toContain(signedInRes.body.accessToken);
    expect(all).not.toContain(admin.token);
    expect(all).not.toContain('scrypt$');
  });
});
