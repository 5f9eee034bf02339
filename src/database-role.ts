import type pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * The server's own PostgreSQL role. The tables belong to the owner that runs the migrations; the server
 * connects as this role, which may read everything and change the working tables, but on the ledger's tables
 * only read and append. Not being their owner, it can neither ALTER them nor DISABLE their triggers.
 */
export const SERVER_ROLE = 'custody_server';

/**
 * Creates the server's role in the cluster, or resets an existing one to what it must be (a login with this
 * password and no other power). Run by a superuser or a role with CREATEROLE; idempotent.
 */
export async function ensureServerRole(admin: pg.Client, password: string, role = SERVER_ROLE): Promise<void> {
  const attributes = 'login nosuperuser nocreatedb nocreaterole noreplication nobypassrls noinherit';
  const exists = (await admin.query('select 1 from pg_roles where rolname = $1', [role])).rowCount !== 0;
  // Utility statements take no parameters: the name and password are quoted by PostgreSQL's own format().
  const { rows } = await admin.query<{ sql: string }>(
    `select format('%s role %I ${attributes} password %L', $1::text, $2::text, $3::text) as sql`,
    [exists ? 'alter' : 'create', role, password],
  );
  try {
    await admin.query(rows[0]!.sql);
  } catch (err) {
    // Another process created it between the check and the create: set it as the alter would.
    if ((err as { code?: string }).code !== '42710') throw err;
    await ensureServerRole(admin, password, role);
  }
}

/**
 * Gives `role` exactly what the server needs, as the owner, after the migrations (so tables added by a later
 * migration are covered on the next start); idempotent. The append-only tables are those with the
 * `custody_ledger_refuse` trigger (events, head, checkpoints, cosignatures, report access, and any added
 * later). On them the role may SELECT and INSERT; on `ledger_events`, `ledger_head` and the directory log's
 * two tables only SELECT: their entries are appended through `custody_ledger_append` and
 * `custody_directory_append`, which run as the owner (SECURITY DEFINER), because the
 * append must lock and update the head row, and UPDATE on the head would let the role move the head to any
 * frontier and root it likes (the trigger only keeps the size from going back). Migrations' own bookkeeping
 * is read-only to it.
 */
export async function grantServerPrivileges(owner: MikroORM, role: string): Promise<void> {
  // A DO block takes no parameters; the name goes in as a quoted literal (standard_conforming_strings is on).
  const name = `'${role.replace(/'/g, "''")}'`;
  await owner.em.getConnection().execute(
    `do $grant$
     declare
       r text := ${name};
       t record;
     begin
       -- Instances starting together grant one after the other (concurrent GRANTs on one table fail).
       perform pg_advisory_xact_lock(hashtext('custody.grants'));
       execute format('revoke all on all tables in schema public from %I', r);
       execute format('revoke all on all sequences in schema public from %I', r);
       execute format('grant usage on schema public to %I', r);
       execute format('grant select, insert, update, delete on all tables in schema public to %I', r);
       execute format('grant usage, select on all sequences in schema public to %I', r);
       for t in
         select distinct c.relname
           from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and g.tgfoid = 'custody_ledger_refuse'::regproc
       loop
         execute format('revoke update, delete on %I from %I', t.relname, r);
       end loop;
       execute format('revoke insert, update, delete on ledger_events, ledger_head, directory_log, directory_log_head, mikro_orm_migrations from %I', r);
       revoke execute on function custody_ledger_append(jsonb) from public;
       execute format('grant execute on function custody_ledger_append(jsonb) to %I', r);
       execute format('grant execute on function custody_directory_append(text, bytea, uuid) to %I', r);
     end $grant$`,
  );
}

/** Who the server is connected as, and whether that role could disable the ledger's triggers. */
export async function connectedRole(orm: MikroORM): Promise<{ name: string; superuser: boolean }> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ name: string; superuser: boolean }[]>(
      'select current_user as name, rolsuper as superuser from pg_roles where rolname = current_user',
    );
  return row!;
}
