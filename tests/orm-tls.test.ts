import { initOrm } from '../src/orm';
import { createTestDatabase } from './context';

/**
 * MikroORM reads only the host, port, user, password and database of a URL. The TLS settings of
 * DATABASE_URL must still reach its pool, as they reach the server's other connections: a server told
 * `sslmode=require` must never fall back to plain text for its queries.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

const query = async (sslmode: string) => {
  const url = new URL(database.url);
  url.searchParams.set('sslmode', sslmode);
  const orm = await initOrm({ url: url.toString(), poolMax: 1 });
  try {
    return await orm.em.fork().execute<{ ok: number }[]>('select 1 as ok');
  } finally {
    await orm.close(true);
  }
};

test('the pool asks the server for TLS when DATABASE_URL says sslmode=require', async () => {
  // The test database's server has no TLS: a pool that asked for it is refused, one that did not is served.
  await expect(query('require')).rejects.toThrow(/does not support SSL/);
  await expect(query('disable')).resolves.toEqual([{ ok: 1 }]);
});
