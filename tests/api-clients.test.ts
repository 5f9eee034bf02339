import request from 'supertest';
import type { TestContext } from './context';
import { as, phone, setUpWorld, type World } from './world';

let ctx: TestContext;
let world: World;
// Each token request from an address of its own, so that failures in one test do not slow another's.
setUpWorld((c, w) => ((ctx = c), (world = w)), { TRUST_PROXY: 'true' });
let address = 0;

const FORM = 'application/x-www-form-urlencoded';

/** Creates an API client of the police bureau, acting as an officer unless other roles are given. */
async function newClient(roles = ['officer']) {
  const res = await as(ctx, world.people.admin).post('/clients', {
    name: '公安案件系统 Police case system',
    agencyCode: world.agencies.police.code,
    roles,
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; clientId: string; clientSecret: string };
}

const tokenRequest = () =>
  request(ctx.app)
    .post('/api/v1/oauth/token')
    .set('Content-Type', FORM)
    .set('X-Forwarded-For', `10.9.${address >> 8}.${address++ & 255}`);
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function tokenOf(client: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await tokenRequest()
    .set('Authorization', basic(client.clientId, client.clientSecret))
    .send('grant_type=client_credentials');
  expect(res.status).toBe(200);
  return res.body.access_token;
}

describe('an API client', () => {
  test('is created by an administrator, with a secret shown once and never again', async () => {
    const client = await newClient();
    expect(client.clientId).toMatch(/^client-[0-9a-f]{20}$/);
    expect(client.clientSecret.length).toBeGreaterThanOrEqual(43);
    const read = await as(ctx, world.people.admin).get(`/clients/${client.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ clientId: client.clientId, roles: ['officer'], active: true });
    expect(JSON.stringify(read.body)).not.toContain(client.clientSecret);
    const listed = await as(ctx, world.people.admin).get('/clients');
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(client.id);
    expect(JSON.stringify(listed.body)).not.toContain(client.clientSecret);
    // People and systems are listed apart.
    const users = await as(ctx, world.people.admin).get('/users?limit=200');
    expect(users.body.items.map((u: { id: string }) => u.id)).not.toContain(client.id);
    expect((await as(ctx, world.people.admin).get(`/users/${client.id}`)).status).toBe(404);
    // Its creation is in the directory log, without the secret.
    const log = await as(ctx, world.people.admin).get('/directory/log?limit=200');
    const entry = JSON.stringify(log.body);
    expect(entry).toContain('client.created');
    expect(entry).toContain(client.clientId);
    expect(entry).not.toContain(client.clientSecret);
  });

  test('is made only by an administrator, and never with the administrator role', async () => {
    const body = { name: 'x', agencyCode: world.agencies.police.code, roles: ['officer'] };
    expect((await as(ctx, world.people.approver).post('/clients', body)).status).toBe(403);
    const admin = await as(ctx, world.people.admin).post('/clients', { ...body, roles: ['admin'] });
    expect(admin.status).toBe(400);
    expect(admin.body.detail).toMatch(/roles/);
    const unknown = await as(ctx, world.people.admin).post('/clients', { ...body, agencyCode: 'NO-SUCH' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toMatch(/agency NO-SUCH does not exist/);
  });

  test('obtains a token by the client-credentials grant, by HTTP Basic or in the form', async () => {
    const client = await newClient();
    const viaBasic = await tokenRequest()
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .send('grant_type=client_credentials&scope=ignored');
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600 });
    expect(viaBasic.headers['cache-control']).toBe('no-store');
    expect(viaBasic.headers['www-authenticate']).toBeUndefined();
    const viaForm = await tokenRequest().send(
      `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${encodeURIComponent(client.clientSecret)}`,
    );
    expect(viaForm.status).toBe(200);
    const me = await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${viaForm.body.access_token}`);
    expect(me.body).toMatchObject({ id: client.id, username: client.clientId, roles: ['officer'] });
  });

  test('is refused as RFC 6749 says when its credentials or the grant are wrong', async () => {
    const client = await newClient();
    const cases: [request.Test, number, string][] = [
      [
        tokenRequest().set('Authorization', basic(client.clientId, 'wrong')).send('grant_type=client_credentials'),
        401,
        'invalid_client',
      ],
      [
        tokenRequest().set('Authorization', basic('client-nobody', 'x')).send('grant_type=client_credentials'),
        401,
        'invalid_client',
      ],
      [tokenRequest().send('grant_type=client_credentials'), 401, 'invalid_client'],
      [
        tokenRequest().set('Authorization', basic(client.clientId, client.clientSecret)).send('grant_type=password'),
        400,
        'unsupported_grant_type',
      ],
      [
        tokenRequest().set('Authorization', basic(client.clientId, client.clientSecret)).send(''),
        400,
        'invalid_request',
      ],
      [
        tokenRequest()
          .set('Authorization', basic(client.clientId, client.clientSecret))
          .send(`grant_type=client_credentials&client_id=${client.clientId}&client_secret=x`),
        400,
        'invalid_request',
      ],
    ];
    for (const [sent, status, error] of cases) {
      const res = await sent;
      expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.error_description).toBe(res.body.detail);
      if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="custody"');
    }
    // JSON is not what the token endpoint takes.
    const json = await request(ctx.app).post('/api/v1/oauth/token').send({ grant_type: 'client_credentials' });
    expect(json.status).toBe(415);
  });

  test('cannot sign in with a password, and a person cannot use the grant', async () => {
    const client = await newClient();
    const login = await request(ctx.app)
      .post('/api/v1/auth/login')
      .send({ username: client.clientId, password: client.clientSecret });
    expect(login.status).toBe(401);
    const person = await tokenRequest()
      .set('Authorization', basic(world.people.officer.user.username, 'seized ledger lantern 2026'))
      .send('grant_type=client_credentials');
    expect(person.status).toBe(401);
  });

  test('acts with its agency and roles, and the events it causes name it as their actor', async () => {
    const client = await newClient();
    const token = await tokenOf(client);
    const registered = await request(ctx.app)
      .post(`/api/v1/cases/${world.caseId}/items`)
      .set('Authorization', `Bearer ${token}`)
      .send({ items: [phone] });
    expect(registered.status).toBe(201);
    const code = registered.body.items[0].code;
    const events = await as(ctx, world.people.officer).get(`/items/${code}/events`);
    expect(events.body.items[0]).toMatchObject({
      envelope: { type: 'registered', actor: client.id, agency: world.agencies.police.id },
      actorName: '公安案件系统 Police case system',
    });
    // An officer's role only: the warehouse's commands are refused.
    const checkIn = await request(ctx.app)
      .post(`/api/v1/items/${code}/check-in`)
      .set('Authorization', `Bearer ${token}`)
      .send({ locationCode: world.loc('SHELF-1') });
    expect(checkIn.status).toBe(403);
  });

  test('revoked, has its tokens refused at once and obtains no more', async () => {
    const client = await newClient();
    const token = await tokenOf(client);
    const me = () => request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect((await me()).status).toBe(200);
    const revoked = await as(ctx, world.people.admin).post(`/clients/${client.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.active).toBe(false);
    expect((await me()).status).toBe(401);
    const again = await tokenRequest()
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .send('grant_type=client_credentials');
    expect(again.status).toBe(401);
    expect((await as(ctx, world.people.admin).post(`/clients/${client.id}/revoke`)).status).toBe(409);
  });

  test('given a new secret, has the old one and its tokens refused', async () => {
    const client = await newClient();
    const token = await tokenOf(client);
    const changed = await as(ctx, world.people.admin).post(`/clients/${client.id}/secret`);
    expect(changed.status).toBe(200);
    expect(changed.body.clientSecret).not.toBe(client.clientSecret);
    expect((await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const old = await tokenRequest()
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .send('grant_type=client_credentials');
    expect(old.status).toBe(401);
    expect(await tokenOf({ clientId: client.clientId, clientSecret: changed.body.clientSecret })).toEqual(
      expect.any(String),
    );
    // A person is not a client: the client routes do not reach them.
    expect((await as(ctx, world.people.admin).post(`/clients/${world.people.officer.user.id}/revoke`)).status).toBe(
      404,
    );
  });
});
