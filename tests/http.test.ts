import express from 'express';
import request from 'supertest';
import { initOrm } from '../src/orm';
import { createApp } from '../src/api/app';
import { GroupCommit } from '../src/custody/items/group-commit';
import { problemHandler } from '../src/api/problem';
import { requestLog } from '../src/api/request-log';
import { createLogger } from '../src/logger';
import { createTestContext, type TestContext } from './context';
import { signedIn } from './factories';

const METRICS_TOKEN = 'a-scraper-token-for-the-http-tests-0123';
let ctx: TestContext;
let admin: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  ctx = await createTestContext({ JSON_BODY_LIMIT: '2kb', METRICS_TOKEN });
  admin = await signedIn(ctx, { roles: ['admin'] });
});
afterAll(() => ctx.close());

const expectProblem = (res: request.Response, status: number) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^urn:custody:problem:/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
    }),
  );
};

describe('problem+json errors', () => {
  test('a validation failure lists every wrong field with what is wrong', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/users')
      .set('Authorization', admin.auth)
      .send({ username: 'Bad Name', displayName: '', agencyCode: 'CENTRE', roles: ['pilot'], password: 'short' });
    expectProblem(res, 400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['displayName', 'password', 'roles.0', 'username']);
    expect(res.body.errors.every((e: { in: string; detail: string }) => e.in === 'body' && e.detail.length > 0)).toBe(
      true,
    );
  });

  test('an unexpected field is refused rather than ignored', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', admin.auth)
      .send({ code: 'X1', name: 'X', kind: 'court', id: '00000000-0000-0000-0000-000000000000' });
    expectProblem(res, 400);
    expect(res.body.detail).toMatch(/id/);
  });

  test('an invalid path parameter is a 400 naming the parameter', async () => {
    const res = await request(ctx.app).get('/api/v1/agencies/not-a-uuid').set('Authorization', admin.auth);
    expectProblem(res, 400);
    expect(res.body.errors[0]).toMatchObject({ in: 'path', field: 'id' });
  });

  test('an unknown route is a 404 problem', async () => {
    const res = await request(ctx.app).get('/api/v1/no/such/thing');
    expectProblem(res, 404);
    expect(res.body.detail).toContain('/api/v1/no/such/thing');
  });

  test('a body over the size limit is a 413 problem', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', admin.auth)
      .send({ code: 'BIG', name: 'x'.repeat(5000), kind: 'court' });
    expectProblem(res, 413);
  });

  test('a body that is not JSON is a 415 problem', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', admin.auth)
      .set('Content-Type', 'text/plain')
      .send('code=X');
    expectProblem(res, 415);
  });

  test('malformed JSON is a 400 problem', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', admin.auth)
      .set('Content-Type', 'application/json')
      .send('{"code": ');
    expectProblem(res, 400);
    expect(res.body.type).toBe('urn:custody:problem:malformed-json');
  });

  test('a duplicate is a 409 problem and a reference to a missing agency a 422', async () => {
    const body = { code: 'DUP-1', name: 'First', kind: 'court' };
    expect((await request(ctx.app).post('/api/v1/agencies').set('Authorization', admin.auth).send(body)).status).toBe(
      201,
    );
    expectProblem(await request(ctx.app).post('/api/v1/agencies').set('Authorization', admin.auth).send(body), 409);

    const user = {
      username: 'ghost',
      displayName: 'Ghost',
      agencyCode: 'NO-SUCH',
      roles: ['clerk'],
      password: 'long enough password',
    };
    const res = await request(ctx.app).post('/api/v1/users').set('Authorization', admin.auth).send(user);
    expectProblem(res, 422);
    expect(res.body.detail).toContain('NO-SUCH');
  });

  test('an unexpected error is a 500 problem without a stack trace', async () => {
    const app = express();
    app.use(requestLog(createLogger({ logLevel: 'silent' })));
    app.get('/boom', () => {
      throw new Error('secret internals at /srv/custody/src/thing.ts:42');
    });
    app.use(problemHandler);
    const res = await request(app).get('/boom');
    expectProblem(res, 500);
    expect(JSON.stringify(res.body)).not.toMatch(/secret internals|thing\.ts|at /);
  });

  test("every response carries a request id, the caller's own when it is safe", async () => {
    const own = await request(ctx.app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(own.headers['x-request-id']).toBe('abc-123');
    const unsafe = await request(ctx.app).get('/healthz').set('X-Request-Id', 'bad id\twith tab');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('each request is logged once when it completes, with its id, the URL as sent and a level by status', async () => {
    await request(ctx.app).get('/api/v1/agencies').set('X-Request-Id', 'log-ok-1').set('Authorization', admin.auth);
    await request(ctx.app).get('/api/v1/agencies').set('X-Request-Id', 'log-refused-1');
    const lines = (id: string) => ctx.logs.map((line) => JSON.parse(line)).filter((entry) => entry.req?.id === id);
    expect(lines('log-ok-1')).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        req: expect.objectContaining({ method: 'GET', url: '/api/v1/agencies' }),
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
    expect(lines('log-refused-1')).toEqual([
      expect.objectContaining({ level: 40, msg: 'request completed', res: { statusCode: 401 } }),
    ]);
  });

  test('security headers are set', async () => {
    const res = await request(ctx.app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('health, readiness and metrics', () => {
  test('/healthz and /readyz answer 200 with a reachable database', async () => {
    expect((await request(ctx.app).get('/healthz')).status).toBe(200);
    const ready = await request(ctx.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.database).toBe('up');
  });

  test('/readyz answers 503 when the database is unreachable', async () => {
    const orm = await initOrm({ url: ctx.url });
    const app = createApp({
      orm,
      config: ctx.config,
      logger: createLogger({ logLevel: 'silent' }),
      tokens: ctx.tokens,
      ledger: ctx.ledger,
      placements: new GroupCommit(orm),
    });
    await orm.close(true);
    const res = await request(app).get('/readyz');
    expectProblem(res, 503);
    expect(res.body.database).toBe('down');
  });

  test('/metrics counts requests by route pattern and status, and reports the pool', async () => {
    await request(ctx.app).get(`/api/v1/agencies/${admin.agency.id}`).set('Authorization', admin.auth);
    const res = await request(ctx.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /custody_http_requests_total\{method="GET",route="\/api\/v1\/agencies\/:id",status="200"\} \d+/,
    );
    expect(res.text).not.toContain(admin.agency.id);
    expect(res.text).toMatch(/custody_db_pool_connections\{state="used"\}/);
    expect(res.text).toMatch(/custody_process_resident_memory_bytes/);
    // The test context listens for caller changes, as the server does.
    expect(res.text).toMatch(/^custody_caller_changes_listening 1$/m);
  });
});

describe('OpenAPI', () => {
  test('the document is OpenAPI 3.1 and describes every route with its schemas and security', async () => {
    const res = await request(ctx.app).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = res.body.paths;
    for (const [path, method] of [
      ['/auth/login', 'post'],
      ['/me', 'get'],
      ['/agencies', 'post'],
      ['/agencies', 'get'],
      ['/agencies/{id}', 'get'],
      ['/users', 'post'],
      ['/users', 'get'],
      ['/users/{id}', 'get'],
      ['/users/{id}/roles', 'put'],
      ['/users/{id}/deactivate', 'post'],
      ['/items/{code}/check-in', 'post'],
      ['/items/{code}/hold', 'delete'],
      ['/requests/{id}/approve', 'post'],
      ['/ledger/verify', 'get'],
      ['/ledger/checkpoint', 'get'],
      ['/items/{code}/proof', 'get'],
      ['/items/{code}/label.pdf', 'get'],
      ['/items/{code}/history.{format}', 'get'],
      ['/handovers/{id}/receipt.pdf', 'get'],
    ] as const) {
      expect(paths[path]?.[method]).toBeDefined();
    }
    expect(paths['/auth/login'].post.security).toEqual([]);
    expect(paths['/users'].post['x-roles']).toEqual(['admin']);
    expect(paths['/users'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['username', 'password', 'roles', 'agencyCode']),
    );
    expect(paths['/agencies/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(paths['/items/{code}/check-in'].post.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'code', in: 'path' }),
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
      ]),
    );
  });
});
