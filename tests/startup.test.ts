import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config';
import { bootstrap } from '../src/custody/directory/bootstrap';
import { seedDemo } from '../src/custody/directory/demo';
import { readOrCreateSecret } from '../src/secrets';
import { Agency } from '../src/custody/directory/agency.entity';
import { User } from '../src/custody/directory/user.entity';
import { Location } from '../src/custody/directory/location.entity';
import { createTestContext, type TestContext } from './context';

const run = promisify(execFile);
const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');

describe('configuration', () => {
  test('defaults apply when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      logLevel: 'info',
      tokenTtlSeconds: 28800,
    });
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(Object.isFrozen(config)).toBe(true);
  });

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_OWNER_URL', 'mysql://localhost/db'],
    // The embedded database makes its own roles: an owner URL without DATABASE_URL would be ignored.
    ['DATABASE_OWNER_URL', 'postgres://custody_owner@localhost/custody'],
    ['JWT_SECRET', 'short'],
    ['TOKEN_TTL_SECONDS', '5'],
    ['CUSTODY_ADMIN_PASSWORD', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['JSON_BODY_LIMIT', 'lots'],
    ['TRUST_PROXY', 'maybe'],
  ])('a wrong %s (%s) is named in a one-line error', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect((err as Error).message).toMatch(new RegExp(`^invalid configuration: ${name}: [^\\n]+$`));
    }
  });

  test('the server exits with code 1 and one line naming the variable', async () => {
    const failure = await run(tsx, ['src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port' },
      cwd: path.join(__dirname, '..'),
    }).catch((err: { code: number; stderr: string; stdout: string }) => err);
    expect(failure).toMatchObject({ code: 1 });
    const stderr = (failure as { stderr: string }).stderr.trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^custody: invalid configuration: PORT: /);
  });
});

describe('secrets', () => {
  test('a generated secret is kept with mode 0600 and returned again on the next start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-secret-'));
    const file = path.join(dir, 'nested', 'jwt-secret');
    const first = readOrCreateSecret(file);
    expect(first.length).toBeGreaterThanOrEqual(64);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readOrCreateSecret(file)).toBe(first);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('first start', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  test('an empty database gets the CENTRE agency and an admin whose generated password signs in, once', async () => {
    const results = await Promise.all([
      bootstrap(ctx.orm.em.fork(), undefined),
      bootstrap(ctx.orm.em.fork(), undefined),
    ]);
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const password = created[0]!.generatedPassword!;
    expect(password.length).toBeGreaterThanOrEqual(16);

    const em = ctx.orm.em.fork();
    expect(await em.count(Agency, {})).toBe(1);
    expect(await em.findOneOrFail(Agency, { code: 'CENTRE' })).toMatchObject({ kind: 'custody_centre' });
    const login = await request(ctx.app).post('/api/v1/auth/login').send({ username: 'admin', password });
    expect(login.status).toBe(200);
    expect(login.body.user.roles).toEqual(['admin']);

    expect(await bootstrap(ctx.orm.em.fork(), undefined)).toEqual({ created: false });
  });

  test('the demo adds agencies and one user per role whose printed passwords sign in, once', async () => {
    const accounts = await seedDemo(ctx.orm.em.fork());
    const roles = new Set(accounts.flatMap((a) => a.roles));
    for (const role of ['officer', 'clerk', 'warehouse', 'approver', 'inspector']) expect(roles).toContain(role);
    for (const account of accounts) {
      const res = await request(ctx.app)
        .post('/api/v1/auth/login')
        .send({ username: account.username, password: account.password });
      expect(res.status).toBe(200);
    }
    expect(await ctx.orm.em.fork().count(Location, { code: { $like: 'HQ%' } })).toBeGreaterThan(5);
    expect(await seedDemo(ctx.orm.em.fork())).toEqual([]);
    expect(await ctx.orm.em.fork().count(User, {})).toBe(accounts.length + 1);
  });
});

describe('bootstrap with a configured password', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  test('CUSTODY_ADMIN_PASSWORD is used and nothing is generated', async () => {
    const result = await bootstrap(ctx.orm.em.fork(), 'configured admin password');
    expect(result).toEqual({ created: true });
    const login = await request(ctx.app)
      .post('/api/v1/auth/login')
      .send({ username: 'admin', password: 'configured admin password' });
    expect(login.status).toBe(200);
  });
});
