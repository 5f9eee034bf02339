import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { createTestContext, serverErrors, type TestContext } from './context';
import { buildWorld, phone, register, type World } from './world';
import { signedIn } from './factories';
import { ROLES } from '../src/custody/directory/user.entity';
import { CORRECTABLE } from '../src/custody/items/projection';

/**
 * Every route, from the OpenAPI document: refused without a token, and never a 500 nor a ledger event for
 * hostile input (wrong types, huge numbers, deep JSON, injection strings, invalid UTF-8).
 */
let ctx: TestContext;
let world: World;
// Thousands of requests a test: with another test file beside it on two cores, far longer than jest's default.
jest.setTimeout(180_000);
let routes: {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  public: boolean;
  roles?: string[];
  /** The media types of the body it takes, when it takes one. */
  takes: string[];
}[];
let itemCode: string;
/**
 * Holds every role, so that hostile input gets past the role checks to the validation and the commands.
 * Signed in anew before each test: a test may sign it out (the sign-out routes take any body).
 */
let everything: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  ctx = await createTestContext();
  world = await buildWorld(ctx);
  [itemCode] = (await register(ctx, world)) as [string];
  const doc = (await request(ctx.app).get('/api/v1/openapi.json')).body as {
    paths: Record<
      string,
      Record<string, { security?: unknown[]; 'x-roles'?: string[]; requestBody?: { content: Record<string, unknown> } }>
    >;
  };
  routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method as 'get',
      path,
      public: Array.isArray(op.security) && op.security.length === 0,
      roles: op['x-roles'],
      takes: Object.keys(op.requestBody?.content ?? {}),
    })),
  );
});
beforeEach(async () => {
  everything = await signedIn(ctx, { roles: [...ROLES], agency: world.agencies.police });
});
afterAll(async () => {
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
});

/** A concrete URL for a route: real ids and codes where the path has parameters. */
const concrete = (path: string) =>
  `/api/v1${path
    .replace('{code}', itemCode)
    .replace('{id}', world.caseId)
    .replace('{deviceId}', world.caseId)
    .replace('{c}', 'C1')
    .replace('barcode.{format}', 'barcode.png')
    .replace('{format}', 'pdf')}`;

const eventCount = async () =>
  Number((await ctx.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from ledger_events'))[0]!.n);

test('every route but the public ones refuses a request without a token, and one with a forged token', async () => {
  expect(routes.length).toBeGreaterThan(60);
  const forged = `${world.people.admin.token.slice(0, -4)}AAAA`;
  for (const route of routes.filter((r) => !r.public)) {
    for (const auth of [undefined, `Bearer ${forged}`]) {
      const req = request(ctx.app)[route.method](concrete(route.path));
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
    }
  }
});

test('every route that needs a role refuses a token that holds every other role', async () => {
  const holders = new Map<string, Awaited<ReturnType<typeof signedIn>>>();
  const before = await eventCount();
  let checked = 0;
  for (const route of routes.filter((r) => r.roles)) {
    const others = ROLES.filter((role) => !route.roles!.includes(role));
    if (others.length === 0) continue;
    const key = others.join(',');
    if (!holders.has(key)) holders.set(key, await signedIn(ctx, { roles: others, agency: world.agencies.police }));
    const res = await request(ctx.app)
      [route.method](concrete(route.path))
      .set('Authorization', holders.get(key)!.auth)
      .send({});
    expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
      route: `${route.method} ${route.path}`,
      status: 403,
    });
    checked++;
  }
  expect(checked).toBeGreaterThan(30);
  expect(await eventCount()).toBe(before);
});

test("another agency's officer, clerk and approver are refused on every route of this agency's item and case", async () => {
  const stranger = await signedIn(ctx, { roles: ['officer', 'clerk', 'approver'], agency: world.agencies.otherPolice });
  // Well-formed bodies, so that what refuses the request is the agency check, not the validation.
  const bodies: Record<string, object> = {
    'post /cases/{id}/items': { items: [phone] },
    'post /items/{code}/check-in': { locationCode: world.loc('SHELF-2') },
    'post /items/{code}/move': { locationCode: world.loc('SHELF-2') },
    'post /items/{code}/check-out': { requestId: randomUUID(), condition: 'intact' },
    'post /items/{code}/return': { locationCode: world.loc('SHELF-2'), condition: 'intact' },
    'post /items/{code}/dispose': { requestId: randomUUID() },
    'post /items/{code}/hold': { reason: 'seen elsewhere' },
    'delete /items/{code}/hold': { reason: 'seen elsewhere' },
    'post /items/{code}/corrections': { correctsIndex: 0, changes: { description: 'changed' }, note: 'by a stranger' },
    'post /items/{code}/review-date': { reviewDate: '2027-01-01', reason: 'by a stranger' },
    'post /items/{code}/locker-deposit': { compartmentCode: world.loc('C1') },
    'post /items/{code}/locker-retrieve': {},
  };
  const before = await eventCount();
  const foreign = routes.filter(
    (r) => !r.public && (r.path.startsWith('/items/{code}') || r.path.startsWith('/cases/{id}')),
  );
  expect(foreign.length).toBeGreaterThan(20);
  for (const route of foreign) {
    const name = `${route.method} ${route.path}`;
    const req = request(ctx.app)[route.method](concrete(route.path)).set('Authorization', stranger.auth);
    // A route that takes a file (a photograph, a spreadsheet) is sent one of its own media type.
    const file = route.takes.find((type) => type !== 'application/json');
    const res = file
      ? await req.set('Content-Type', file).send(Buffer.from('a file'))
      : await req.send(bodies[name] ?? {});
    expect({ route: name, refused: [403, 404].includes(res.status) }).toEqual({ route: name, refused: true });
  }
  expect(await eventCount()).toBe(before);
});

const hostile = fc.oneof(
  fc.constantFrom(
    "'; drop table ledger_events; --",
    '<script>alert(1)</script>',
    '../../../../etc/passwd',
    '\u0000',
    '9'.repeat(400),
    '%00%ff',
    '黑'.repeat(5000),
  ),
  fc.double(),
  fc.integer(),
  fc.constant(1e308),
  fc.constant(-1),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
const bodies = fc.oneof(
  fc.dictionary(
    fc.constantFrom(
      'code',
      'items',
      'itemCodes',
      'locationCode',
      'witness',
      'requestId',
      'kind',
      'username',
      'password',
      'roles',
      'reason',
      'note',
      'changes',
      'correctsIndex',
    ),
    hostile,
    { maxKeys: 5 },
  ),
  hostile,
);

test('hostile bodies to every state-changing route: never a 500, and a refused request appends nothing', async () => {
  // Without the sign-outs, which would end the token on their first run and leave the rest unchecked.
  const writers = routes.filter((r) => r.method !== 'get' && !r.public && !r.path.startsWith('/auth/logout'));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...writers), bodies, async (route, body) => {
      const before = await eventCount();
      const res = await request(ctx.app)
        [route.method](concrete(route.path))
        .set('Authorization', everything.auth)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      // 503 is the one server-side refusal expected here: the unlock route with no broker in this test process.
      expect(res.status < 500 || (res.status === 503 && route.path.includes('unlock'))).toBe(true);
      expect(res.headers['content-type'] ?? '').not.toMatch(/text\/html/);
      if (res.status >= 400) expect(await eventCount()).toBe(before);
    }),
    { numRuns: 2000 },
  );
});

test('hostile values for every correctable particular: never a 500, and a refused correction changes nothing', async () => {
  const items = () => request(ctx.app).get(`/api/v1/items/${itemCode}`).set('Authorization', everything.auth);
  const correctsIndex = (
    await request(ctx.app).get(`/api/v1/items/${itemCode}/events`).set('Authorization', everything.auth)
  ).body.items[0].index;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...CORRECTABLE), hostile, async (field, v) => {
      const before = { events: await eventCount(), item: (await items()).body };
      const res = await request(ctx.app)
        .post(`/api/v1/items/${itemCode}/corrections`)
        .set('Authorization', everything.auth)
        .send({ correctsIndex, changes: { [field]: v }, note: 'hostile' });
      expect({ field, status: res.status < 500 }).toEqual({ field, status: true });
      if (res.status >= 400) expect({ events: await eventCount(), item: (await items()).body }).toEqual(before);
    }),
    { numRuns: 300 },
  );
});

test('hostile path parameters and query strings on every route that reads: never a 500', async () => {
  const readers = routes.filter((r) => r.method === 'get' && !r.public);
  const server = ctx.app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      "' or 1=1 --",
      '<svg onload=alert(1)>',
      '../../etc/passwd',
      '%00',
      '9'.repeat(400),
      '-1',
      '1e308',
      'NaN',
      '黑'.repeat(300),
    ),
  );
  const query = fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        'limit',
        'offset',
        'q',
        'state',
        'category',
        'lang',
        'size',
        'index',
        'from',
        'to',
        'caseId',
        'kind',
        'symbology',
        'location',
        'agency',
        'sort',
        'order',
        'status',
      ),
      fc.string({ maxLength: 8 }),
    ),
    text,
    { maxKeys: 4 },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...readers),
      fc.option(text, { nil: undefined }),
      query,
      async (route, param, q) => {
        const path =
          param === undefined
            ? concrete(route.path)
            : `/api/v1${route.path.replace(/\{[^}]+\}/, encodeURIComponent(param)).replace(/\{[^}]+\}/g, 'x')}`;
        // fetch, not supertest: it answers at the headers, so a stream that never ends (the change stream) is
        // judged by its status and then hung up on, as a console does when it leaves.
        const res = await fetch(`${base}${path}?${new URLSearchParams(q)}`, {
          headers: { Authorization: everything.auth },
        });
        const type = res.headers.get('content-type') ?? '';
        await (type.startsWith('text/event-stream') ? res.body?.cancel() : res.arrayBuffer());
        expect({ route: route.path, status: res.status < 500 }).toEqual({ route: route.path, status: true });
        expect(type).not.toMatch(/text\/html/);
      },
    ),
    { numRuns: 1000 },
  );
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('deep JSON, invalid UTF-8 and an absurd query string are refused with a problem, not a crash', async () => {
  const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  const cases = [
    request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', world.people.admin.auth)
      .set('Content-Type', 'application/json')
      .send(deep),
    request(ctx.app)
      .post('/api/v1/agencies')
      .set('Authorization', world.people.admin.auth)
      .set('Content-Type', 'application/json')
      .send(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
    request(ctx.app)
      .get(`/api/v1/items?q=${'%27'.repeat(2000)}&limit=-5`)
      .set('Authorization', world.people.admin.auth),
    request(ctx.app)
      .get(`/api/v1/items/${'Z'.repeat(5000)}`)
      .set('Authorization', world.people.admin.auth),
  ];
  for (const res of await Promise.all(cases)) {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  }
  expect((await request(ctx.app).get('/readyz')).status).toBe(200);
});

describe('text that cannot be stored, or would print as something else', () => {
  // As raw JSON text, so that the lone surrogates reach the server as the escapes an attacker would send.
  const UNSAFE = [
    ['NUL', '\\u0000'],
    ['a lone high surrogate', '\\ud800'],
    ['a lone low surrogate', '\\udc00'],
    ['a control character', '\\u001b'],
    ['a right-to-left override', '\\u202e'],
    ['a first-strong isolate', '\\u2068'],
  ] as const;

  test.each(UNSAFE)(
    '%s anywhere in a JSON body is refused with 400 naming the field, on every route that is sent one, and appends nothing',
    async (_name, escape) => {
      // Every route that takes JSON: not those that take a file, nor the OAuth token endpoint's form.
      const withBody = routes.filter(
        (r) => r.method !== 'get' && (r.takes.length === 0 || r.takes.includes('application/json')),
      );
      expect(withBody.length).toBeGreaterThan(30);
      const before = await eventCount();
      const bodies: [string, string][] = [
        [`{"note":"seen ${escape} here"}`, 'note'],
        [`{"items":[{"description":"手机"},{"description":"a${escape}"}]}`, 'items.1.description'],
        [`{"changes":{"x${escape}":"y"}}`, `changes.x[${escape.replace('\\u', 'U+').toUpperCase()}]`],
      ];
      for (const route of withBody) {
        for (const [body, field] of bodies) {
          const res = await request(ctx.app)
            [route.method](concrete(route.path))
            .set('Authorization', everything.auth)
            .set('Content-Type', 'application/json')
            .send(body);
          const seen = {
            route: `${route.method} ${route.path}`,
            status: res.status,
            field: res.body.errors?.[0]?.field,
          };
          expect(seen).toEqual({ route: seen.route, status: 400, field });
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(res.body.detail).toMatch(/surrogate|control/);
        }
      }
      expect(await eventCount()).toBe(before);
    },
  );

  test('in a form body (the OAuth token endpoint) is refused as in JSON, naming the field', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/oauth/token')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('grant_type=client_credentials&client_id=a%00b&client_secret=x');
    expect({ status: res.status, field: res.body.errors?.[0]?.field }).toEqual({ status: 400, field: 'client_id' });
  });

  test('a case title with NUL, once a 500, is a 400 that names the title; a sign-in with NUL in the username too', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/cases')
      .set('Authorization', world.people.officer.auth)
      .set('Content-Type', 'application/json')
      .send('{"caseNumber":"NUL-1","title":"a\\u0000b","openedOn":"2026-11-01"}');
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('body title: holds a control character (U+0000), which no record may contain');
    const signIn = await request(ctx.app)
      .post('/api/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username":"a\\u0000","password":"x"}');
    expect(signIn.status).toBe(400);
    expect(signIn.body.errors[0]).toMatchObject({ in: 'body', field: 'username' });
  });

  test('a query string with NUL or a bidirectional override is refused with 400 naming the parameter', async () => {
    for (const q of ['%00', '%E2%80%AEabc']) {
      const res = await request(ctx.app).get(`/api/v1/items?q=${q}`).set('Authorization', everything.auth);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ in: 'query', field: 'q' });
    }
  });

  test('ordinary text is untouched: Chinese, emoji, tabs and new lines are accepted', async () => {
    const res = await request(ctx.app)
      .post(`/api/v1/cases/${world.caseId}/items`)
      .set('Authorization', world.people.officer.auth)
      .send({ items: [{ ...phone, description: '黑色手机\t一部\n屏幕碎裂 📱' }] });
    expect(res.status).toBe(201);
  });
});
