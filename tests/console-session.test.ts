import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, type TestContext } from './context';
import { makeUser, TEST_PASSWORD } from './factories';

/** The console's cookie session and CSRF check, and the serving of its built files, on createApp(). */
let ctx: TestContext;
const consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-console-'));

beforeAll(async () => {
  fs.mkdirSync(path.join(consoleDir, 'assets'));
  fs.writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>Custody</title><div id="root"></div>');
  fs.writeFileSync(path.join(consoleDir, 'assets', 'index-3f9a1c.js'), 'console.log(1)');
  ctx = await createTestContext({ TRUST_PROXY: 'true', CUSTODY_CONSOLE_DIR: consoleDir });
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(consoleDir, { recursive: true, force: true });
});

interface Session {
  cookies: string[];
  /** The Cookie header a browser would send. */
  cookie: string;
  csrfToken: string;
  body: Record<string, unknown>;
}

async function startSession(roles: string[] = ['admin'], ip = '10.1.0.1'): Promise<Session> {
  const { user } = await makeUser(ctx.orm.em.fork(), { roles: roles as never });
  const res = await request(ctx.app)
    .post('/api/v1/auth/session')
    .set('X-Forwarded-For', ip)
    .send({ username: user.username, password: TEST_PASSWORD });
  expect(res.status).toBe(200);
  const cookies = res.headers['set-cookie'] as unknown as string[];
  return {
    cookies,
    cookie: cookies.map((c) => c.split(';')[0]).join('; '),
    csrfToken: res.body.csrfToken,
    body: res.body,
  };
}

const agency = (code: string) => ({ code, name: `Agency ${code}`, kind: 'police' });

describe('the console session', () => {
  test('signing in sets an httpOnly SameSite=Strict session cookie and answers no token', async () => {
    const { cookies, csrfToken } = await startSession();
    const sessionCookie = cookies.find((c) => c.startsWith('custody_session='))!;
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Strict/i);
    expect(sessionCookie).toMatch(/Path=\/api/);
    expect(sessionCookie).not.toMatch(/Secure/i);
    const csrfCookie = cookies.find((c) => c.startsWith('custody_csrf='))!;
    expect(csrfCookie).not.toMatch(/HttpOnly/i);
    expect(csrfCookie).toContain(`custody_csrf=${csrfToken}`);
    const res = await request(ctx.app)
      .post('/api/v1/auth/session')
      .set('X-Forwarded-For', '10.1.0.9')
      .send({ username: 'nobody', password: 'x' });
    expect(res.status).toBe(401);
  });

  test('behind TLS the cookies are Secure', async () => {
    const { user } = await makeUser(ctx.orm.em.fork());
    const res = await request(ctx.app)
      .post('/api/v1/auth/session')
      .set('X-Forwarded-For', '10.1.0.2')
      .set('X-Forwarded-Proto', 'https')
      .send({ username: user.username, password: TEST_PASSWORD });
    for (const c of res.headers['set-cookie'] as unknown as string[]) expect(c).toMatch(/; Secure/);
  });

  test('the cookie alone opens reads; the body of the sign-in holds no access token', async () => {
    const { cookie, body } = await startSession(['officer']);
    expect(body).not.toHaveProperty('accessToken');
    expect(JSON.stringify(body)).not.toContain(cookie.match(/custody_session=([^;]+)/)![1]);
    const me = await request(ctx.app).get('/api/v1/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body.roles).toEqual(['officer']);
  });

  test('a cross-site POST carrying the session cookie but no CSRF token is refused and changes nothing', async () => {
    const { cookie, csrfToken } = await startSession();
    const forged = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .send(agency('FORGED1'));
    expect(forged.status).toBe(403);
    expect(forged.headers['content-type']).toContain('application/problem+json');
    expect(forged.body.detail).toContain('CSRF');
    const wrong = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrfToken.slice(0, -2) + 'xx')
      .send(agency('FORGED2'));
    expect(wrong.status).toBe(403);
    const list = await request(ctx.app).get('/api/v1/agencies').set('Cookie', cookie);
    expect(list.body.items.map((a: { code: string }) => a.code)).not.toEqual(
      expect.arrayContaining(['FORGED1', 'FORGED2']),
    );

    const made = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrfToken)
      .send(agency('REAL1'));
    expect(made.status).toBe(201);
  });

  test("one session's CSRF token does not pass for another's", async () => {
    const first = await startSession(['admin'], '10.1.0.3');
    const second = await startSession(['admin'], '10.1.0.4');
    const res = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Cookie', first.cookie)
      .set('X-CSRF-Token', second.csrfToken)
      .send(agency('MIXED1'));
    expect(res.status).toBe(403);
  });

  test('bearer tokens keep working for API clients without a CSRF token', async () => {
    const { user } = await makeUser(ctx.orm.em.fork(), { roles: ['admin'] });
    const login = await request(ctx.app)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '10.1.0.5')
      .send({ username: user.username, password: TEST_PASSWORD });
    const res = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', `Bearer ${login.body.accessToken}`)
      .send(agency('BEARER1'));
    expect(res.status).toBe(201);
  });

  test('signing out clears the cookies and ends the session', async () => {
    const { cookie, csrfToken } = await startSession(['officer'], '10.1.0.6');
    expect((await request(ctx.app).post('/api/v1/auth/logout').set('Cookie', cookie)).status).toBe(403);
    expect((await request(ctx.app).get('/api/v1/me').set('Cookie', cookie)).status).toBe(200);
    const out = await request(ctx.app).post('/api/v1/auth/logout').set('Cookie', cookie).set('X-CSRF-Token', csrfToken);
    expect(out.status).toBe(204);
    const cleared = out.headers['set-cookie'] as unknown as string[];
    expect(cleared.some((c) => /^custody_session=;.*Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);
    const after = await request(ctx.app).get('/api/v1/me').set('Cookie', cookie);
    expect(after.status).toBe(401);
  });
});

describe('the console files', () => {
  test('the app is served at / and at any path of its own, never cached; the API stays problem+json', async () => {
    for (const url of ['/', '/cases/7f3c', '/scan?mode=check-in']) {
      const res = await request(ctx.app).get(url);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('<div id="root">');
    }
    const api = await request(ctx.app).get('/api/v2/cases');
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');
    expect(api.body.detail).toContain('/api/v2/cases');
  });

  test('hashed assets are cached for a year; a missing one is a 404, not the app', async () => {
    const asset = await request(ctx.app).get('/assets/index-3f9a1c.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await request(ctx.app).get('/assets/index-000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });

  test('the Content-Security-Policy allows no inline script, only WebAssembly beyond the own files', async () => {
    const csp = (await request(ctx.app).get('/')).headers['content-security-policy'] as string;
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))!;
    expect(scriptSrc.trim()).toBe("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
  });
});
