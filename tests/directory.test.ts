import request from 'supertest';
import { createTestContext, type TestContext } from './context';
import { makeAgency, signedIn } from './factories';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('agencies and users', () => {
  test('an admin creates an agency and a user who can then sign in; the password is never returned', async () => {
    const admin = await signedIn(ctx, { roles: ['admin'] });
    const agency = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', admin.auth)
      .send({ code: 'PSB-NORTH', name: '北区公安分局', kind: 'police' });
    expect(agency.status).toBe(201);
    expect(agency.body).toMatchObject({ code: 'PSB-NORTH', name: '北区公安分局', kind: 'police' });
    expect(agency.headers.location).toBe(`/api/v1/agencies/${agency.body.id}`);

    const user = await request(ctx.app)
      .post('/api/v1/users')
      .set('Authorization', admin.auth)
      .send({
        username: 'wang.wei',
        displayName: '王伟',
        agencyCode: 'PSB-NORTH',
        roles: ['officer', 'officer'],
        password: 'a long enough password',
      });
    expect(user.status).toBe(201);
    expect(user.body).toMatchObject({
      username: 'wang.wei',
      agencyCode: 'PSB-NORTH',
      roles: ['officer'],
      active: true,
    });
    expect(JSON.stringify(user.body)).not.toMatch(/a long enough password|scrypt|passwordHash/i);
    // Chosen by the administrator: the user must change it at the first sign-in.
    expect(user.body.mustChangePassword).toBe(true);

    const login = await request(ctx.app)
      .post('/api/v1/auth/login')
      .send({ username: 'wang.wei', password: 'a long enough password' });
    expect(login.status).toBe(200);
    expect(login.body.passwordChangeRequired).toBe(true);

    const read = await request(ctx.app).get(`/api/v1/users/${user.body.id}`).set('Authorization', admin.auth);
    expect(read.body.displayName).toBe('王伟');
  });

  test('roles can be replaced, and the change applies to existing tokens at once', async () => {
    const admin = await signedIn(ctx, { roles: ['admin'] });
    const officer = await signedIn(ctx, { roles: ['officer'] });
    expect((await request(ctx.app).get('/api/v1/users').set('Authorization', officer.auth)).status).toBe(403);
    const res = await request(ctx.app)
      .put(`/api/v1/users/${officer.user.id}/roles`)
      .set('Authorization', admin.auth)
      .send({ roles: ['approver'] });
    expect(res.status).toBe(200);
    expect(res.body.roles).toEqual(['approver']);
    expect((await request(ctx.app).get('/api/v1/users').set('Authorization', officer.auth)).status).toBe(200);
  });

  test('an admin cannot deactivate themselves', async () => {
    const admin = await signedIn(ctx, { roles: ['admin'] });
    const res = await request(ctx.app)
      .post(`/api/v1/users/${admin.user.id}/deactivate`)
      .set('Authorization', admin.auth);
    expect(res.status).toBe(409);
  });

  test('unknown records are 404 problems', async () => {
    const admin = await signedIn(ctx, { roles: ['admin'] });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await request(ctx.app).get(`/api/v1/agencies/${missing}`).set('Authorization', admin.auth)).status).toBe(
      404,
    );
    expect((await request(ctx.app).get(`/api/v1/users/${missing}`).set('Authorization', admin.auth)).status).toBe(404);
    expect(
      (
        await request(ctx.app)
          .put(`/api/v1/users/${missing}/roles`)
          .set('Authorization', admin.auth)
          .send({ roles: ['clerk'] })
      ).status,
    ).toBe(404);
  });

  test('agencies are listed by kind, paginated', async () => {
    const em = ctx.orm.em.fork();
    for (let i = 0; i < 3; i++) await makeAgency(em, { kind: 'commission' });
    const officer = await signedIn(ctx, { roles: ['officer'] });
    const page = await request(ctx.app)
      .get('/api/v1/agencies?kind=commission&limit=2')
      .set('Authorization', officer.auth);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.total).toBeGreaterThanOrEqual(3);
    expect(page.body.items.every((a: { kind: string }) => a.kind === 'commission')).toBe(true);
  });
});

describe('role and agency checks', () => {
  test.each([
    ['officer', 'post', '/api/v1/agencies'],
    ['warehouse', 'post', '/api/v1/users'],
    ['inspector', 'post', '/api/v1/agencies'],
    ['clerk', 'get', '/api/v1/users'],
    ['approver', 'put', '/api/v1/users/00000000-0000-4000-8000-000000000000/roles'],
  ] as const)('a %s is refused %s %s with 403', async (role, method, path) => {
    const caller = await signedIn(ctx, { roles: [role] });
    const res = await request(ctx.app)
      [method](path)
      .set('Authorization', caller.auth)
      .send({ roles: ['clerk'], code: 'X', name: 'X', kind: 'court' });
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/needs one of the roles/);
  });

  test("an approver sees only their own agency's users, and another agency's user is 404", async () => {
    const em = ctx.orm.em.fork();
    const mine = await makeAgency(em);
    const theirs = await makeAgency(em);
    const approver = await signedIn(ctx, { roles: ['approver'], agency: mine });
    const colleague = await signedIn(ctx, { roles: ['officer'], agency: mine });
    const stranger = await signedIn(ctx, { roles: ['officer'], agency: theirs });

    const list = await request(ctx.app).get('/api/v1/users').set('Authorization', approver.auth);
    const ids = list.body.items.map((u: { id: string }) => u.id);
    expect(ids).toEqual(expect.arrayContaining([approver.user.id, colleague.user.id]));
    expect(ids).not.toContain(stranger.user.id);
    expect(list.body.total).toBe(2);

    expect(
      (await request(ctx.app).get(`/api/v1/users/${stranger.user.id}`).set('Authorization', approver.auth)).status,
    ).toBe(404);
    const filtered = await request(ctx.app)
      .get(`/api/v1/users?agencyCode=${theirs.code}`)
      .set('Authorization', approver.auth);
    expect(filtered.body.items).toEqual([]);
  });

  test('an inspector sees users of every agency', async () => {
    const inspector = await signedIn(ctx, { roles: ['inspector'] });
    const other = await signedIn(ctx, { roles: ['clerk'] });
    const res = await request(ctx.app).get(`/api/v1/users/${other.user.id}`).set('Authorization', inspector.auth);
    expect(res.status).toBe(200);
  });
});
