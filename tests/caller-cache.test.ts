import pg from 'pg';
import request from 'supertest';
import { createTestContext, type TestContext } from './context';
import { signedIn, type makeUser } from './factories';
import { loadCaller, type Caller } from '../src/custody/directory/caller';
import { CallerCache } from '../src/custody/directory/caller-cache';
import { pooledSql } from '../src/custody/sql';
import { createLogger } from '../src/logger';

// Authenticated callers are kept while PostgreSQL notifies every change to users and agencies: each test
// changes a user the way someone else would (SQL on another connection) and watches the change arrive.
let ctx: TestContext;
let sql: pg.Client;
const logger = createLogger({ logLevel: 'silent' });

beforeAll(async () => {
  ctx = await createTestContext();
  sql = new pg.Client({ connectionString: ctx.url });
  await sql.connect();
});
afterAll(async () => {
  await sql.end();
  await ctx.close();
});

/** A cache over the real loader that counts the loads (the database queries it made). */
function countingCache(gate?: () => Promise<void>, reconnectMs?: number) {
  const loads = { count: 0 };
  const db = pooledSql(ctx.orm);
  const cache = new CallerCache(async (id) => {
    loads.count++;
    const caller = await loadCaller(db, { id });
    await gate?.();
    return caller;
  }, reconnectMs);
  return { cache, loads };
}

/** Reads until `done`, for up to 10 s (a busy CI machine runs other test files alongside). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const rolesOf = (caller: Caller | null) => caller?.roles.join(',');
const user = (overrides: Parameters<typeof makeUser>[1] = {}) => signedIn(ctx, { roles: ['officer'], ...overrides });

test('a caller is loaded once while nothing changes; a change committed elsewhere is seen once notified', async () => {
  const { user: someone } = await user();
  const { cache, loads } = countingCache();
  await cache.watch(ctx.url, logger);
  try {
    expect(rolesOf(await cache.get(someone.id))).toBe('officer');
    expect(rolesOf(await cache.get(someone.id))).toBe('officer');
    expect(loads.count).toBe(1);

    await sql.query(`update users set roles = '{inspector}' where id = $1`, [someone.id]);
    expect(
      rolesOf(
        await eventually(
          () => cache.get(someone.id),
          (c) => rolesOf(c) === 'inspector',
        ),
      ),
    ).toBe('inspector');
    const afterChange = loads.count;
    await cache.get(someone.id);
    expect(loads.count).toBe(afterChange);

    // A change that rolls back notifies nobody, and an agency's change counts as a change to its users.
    await sql.query('begin');
    await sql.query(`update users set active = false where id = $1`, [someone.id]);
    await sql.query('rollback');
    await sql.query(`update agencies set code = code || '-R' where id = (select agency_id from users where id = $1)`, [
      someone.id,
    ]);
    const renamed = await eventually(
      () => cache.get(someone.id),
      (c) => c!.agencyCode.endsWith('-R'),
    );
    expect(renamed!.roles).toEqual(['inspector']);

    await sql.query(`update users set active = false where id = $1`, [someone.id]);
    expect(
      await eventually(
        () => cache.get(someone.id),
        (c) => c === null,
      ),
    ).toBeNull();
  } finally {
    await cache.close();
  }
});

test('nothing is kept before listening, nor while the listening connection is down; a change made meanwhile is seen after', async () => {
  const { user: someone } = await user();
  // Down for 3 s once cut, so that being down is seen even when each check is slow.
  const { cache, loads } = countingCache(undefined, 3000);
  try {
    await cache.get(someone.id);
    await cache.get(someone.id);
    expect(loads.count).toBe(2);

    expect(cache.listening).toBe(false);
    await cache.watch(ctx.url, logger);
    expect(cache.listening).toBe(true);
    await cache.get(someone.id);
    await cache.get(someone.id);
    expect(loads.count).toBe(3);

    // Cut every caller-change connection of this database (the app's own too; both come back).
    const cut = await sql.query<{ done: boolean }>(`select pg_terminate_backend(pid) as done from pg_stat_activity
                      where application_name = 'custody caller changes' and datname = current_database()`);
    expect(cut.rows.filter((row) => row.done).length).toBe(2);
    const keptOnce = async () => {
      const before = loads.count;
      await cache.get(someone.id);
      await cache.get(someone.id);
      return loads.count - before;
    };
    // Seen as down (for the 3 s before it connects again), and not keeping.
    await eventually(
      async () => cache.listening,
      (up) => !up,
    );
    await eventually(keptOnce, (n) => n === 2);
    // Changed while the connection is down (or just back): its notification may be lost; either way the
    // change is seen (polled: a notification may come a moment after the commit).
    await sql.query(`update users set roles = '{clerk}' where id = $1`, [someone.id]);
    await eventually(
      () => cache.get(someone.id),
      (c) => rolesOf(c) === 'clerk',
    );
    // Back after those 3 s (two reads no longer load twice: the first may have loaded it, or a read before),
    // keeping again, and what it keeps is the change.
    await eventually(keptOnce, (n) => n < 2);
    expect(cache.listening).toBe(true);
    expect(await keptOnce()).toBe(0);
    expect(rolesOf(await cache.get(someone.id))).toBe('clerk');
  } finally {
    await cache.close();
  }
});

test('a caller loaded across a change is not kept: the next request loads it again', async () => {
  const { user: someone } = await user();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let gated = true;
  const { cache, loads } = countingCache(() => (gated ? gate : Promise.resolve()));
  await cache.watch(ctx.url, logger);
  try {
    const loading = cache.get(someone.id);
    await eventually(
      async () => loads.count,
      (n) => n === 1,
    );
    // The change's notification arrives while the load is still on its way.
    cache.forget();
    gated = false;
    release();
    await loading;
    await cache.get(someone.id);
    expect(loads.count).toBe(2);
  } finally {
    await cache.close();
  }
});

test('through the API: a role taken away in SQL elsewhere is refused once notified; one taken away through the API at once', async () => {
  const inspector = await signedIn(ctx, { roles: ['inspector'] });
  const admin = await signedIn(ctx, { roles: ['admin'] });
  const alerts = () => request(ctx.app).get('/api/v1/alerts').set('Authorization', inspector.auth);
  expect((await alerts()).status).toBe(200);

  await sql.query(`update users set roles = '{officer}' where id = $1`, [inspector.user.id]);
  expect((await eventually(alerts, (res) => res.status !== 200)).status).toBe(403);

  await sql.query(`update users set roles = '{inspector}' where id = $1`, [inspector.user.id]);
  await eventually(alerts, (res) => res.status === 200);
  const changed = await request(ctx.app)
    .put(`/api/v1/users/${inspector.user.id}/roles`)
    .set('Authorization', admin.auth)
    .send({ roles: ['officer'] });
  expect(changed.status).toBe(200);
  expect((await alerts()).status).toBe(403);
});
