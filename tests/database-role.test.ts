import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, stored, type World } from './world';
import { signCheckpoint } from '../src/custody/ledger/checkpoints';
import { SERVER_ROLE } from '../src/database-role';

/**
 * The app connected as the server's own role, with the privileges the server grants it at start-up: it
 * works, and it cannot change the ledger's history, not even by switching its triggers off.
 */
let ctx: TestContext;
let world: World;
let asServer: pg.Client;
beforeAll(async () => {
  ctx = await createTestContext(
    { CUSTODY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'custody-role-')) },
    {},
    { as: 'server' },
  );
  world = await buildWorld(ctx);
  asServer = new pg.Client({ connectionString: ctx.serverUrl });
  await asServer.connect();
});
afterAll(async () => {
  expect(serverErrors(ctx)).toEqual([]);
  await asServer.end();
  await ctx.close();
  fs.rmSync(ctx.config.dataDir, { recursive: true, force: true });
});

const counts = async () =>
  (
    await asServer.query<{ events: string; head: string; checkpoints: string; accesses: string }>(
      `select (select count(*) from ledger_events) as events, (select size from ledger_head) as head,
              (select count(*) from checkpoints) as checkpoints, (select count(*) from report_access) as accesses`,
    )
  ).rows[0]!;

test('the app connects as the server role, which is no superuser and owns no table', async () => {
  const [me] = await ctx.orm.em.fork().execute<{ name: string; superuser: boolean; owned: string }[]>(
    `select current_user as name, rolsuper as superuser,
            (select count(*) from pg_class where relowner = (select oid from pg_roles where rolname = current_user)) as owned
       from pg_roles where rolname = current_user`,
  );
  expect(me).toEqual({ name: SERVER_ROLE, superuser: false, owned: '0' });
});

test('as the server role, commands, checkpoints, reports and verification work', async () => {
  const [code] = await stored(ctx, world);
  const approver = as(ctx, world.people.approver);
  expect(
    (await approver.post(`/items/${code}/hold`, { reason: 'court order' }).set('Idempotency-Key', `role-hold-${code}`))
      .status,
  ).toBe(200);
  expect((await as(ctx, world.people.inspector).get(`/items/${code}/history.json`)).status).toBe(200);
  expect(await signCheckpoint(ctx.orm.em.fork(), ctx.ledger)).not.toBeNull();
  const verified = await as(ctx, world.people.inspector).get('/ledger/verify');
  expect(verified.body).toMatchObject({ ok: true, failure: null });
});

describe('as the server role, the ledger cannot be changed', () => {
  const LEDGER_TABLES: [string, string, string][] = [
    ['ledger_events', 'type', 'ledger_events_append_only'],
    ['ledger_head', 'root', 'ledger_head_forward_only'],
    ['checkpoints', 'note', 'checkpoints_append_only'],
    ['cosignatures', 'line', 'cosignatures_append_only'],
    ['report_access', 'kind', 'report_access_append_only'],
    ['merkle_nodes', 'hash', 'merkle_nodes_append_only'],
  ];
  const attacks = LEDGER_TABLES.flatMap(([table, column, trigger]) => [
    [`UPDATE ${table}`, `update ${table} set ${column} = ${column}`],
    [`DELETE FROM ${table}`, `delete from ${table}`],
    [`TRUNCATE ${table}`, `truncate ${table}`],
    [`ALTER TABLE ${table}`, `alter table ${table} add column forged text`],
    [`DISABLE TRIGGER on ${table}`, `alter table ${table} disable trigger all`],
    [`DROP TRIGGER on ${table}`, `drop trigger ${trigger} on ${table}`],
  ]);

  beforeAll(async () => {
    await stored(ctx, world);
    await as(ctx, world.people.inspector).get(`/ledger/verify`);
    await signCheckpoint(ctx.orm.em.fork(), ctx.ledger);
  });

  test.each([
    ...attacks,
    [
      'INSERT into ledger_events, bypassing the append',
      `insert into ledger_events select * from ledger_events limit 1`,
    ],
    ['switching triggers off for the session', `set session_replication_role = replica`],
    [
      'replacing the refusing trigger function',
      `create or replace function custody_ledger_refuse() returns trigger language plpgsql as $$ begin return null; end $$`,
    ],
  ])('%s is refused', async (_what, statement) => {
    const before = await counts();
    await expect(asServer.query(statement)).rejects.toMatchObject({ code: '42501' });
    expect(await counts()).toEqual(before);
  });
});
