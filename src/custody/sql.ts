import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';

/**
 * What the custody queries need of a connection: run a statement with `?` placeholders and get its rows.
 * MikroORM's EntityManager is one; `pgSql` makes a bare `pg` client (no ORM, no knex) another, for the
 * hot command path, where every layer costs CPU on every statement.
 */
export type Sql = Pick<EntityManager, 'execute'>;

/** `?` placeholders as PostgreSQL's `$1, $2…`. The statements run this way never hold a `?` in a literal. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function pgSql(client: pg.ClientBase): Sql {
  const execute = async (sql: string, params: unknown[] = []) => (await client.query(numbered(sql), params)).rows;
  return { execute } as Sql;
}

/**
 * Runs `work` on a bare `pg` connection borrowed from the ORM's pool (so it counts against the same
 * limit and closes with the ORM), given back afterwards whatever happens.
 */
export async function withPgConnection<T>(em: EntityManager, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const pool = em.getConnection().getKnex().client;
  const client = (await pool.acquireConnection()) as pg.ClientBase;
  try {
    return await work(client);
  } finally {
    await pool.releaseConnection(client);
  }
}

/** Statements outside any transaction, each on a borrowed bare connection: for reads on every request. */
export function pooledSql(orm: MikroORM): Sql {
  const execute = (sql: string, params?: unknown[]) => withPgConnection(orm.em, (client) => pgSql(client).execute(sql, params));
  return { execute } as Sql;
}

/**
 * A PostgreSQL array literal of `values`, for `= any (?::text[])`: passed as one string, because knex
 * would spread a JavaScript array into a list of placeholders.
 */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
