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

/** A statement as sent: numbered, and named so that each connection parses and plans it once. */
interface Prepared {
  name: string | undefined;
  text: string;
}

// Statements are named by their text, so only a bounded set of texts may be prepared: the hot statements
// have fixed texts (lists go as arrays). Past this many, a new text runs unnamed, as pg runs any query.
const MAX_PREPARED = 200;
const prepared = new Map<string, Prepared>();

function prepare(sql: string): Prepared {
  let statement = prepared.get(sql);
  if (!statement) {
    statement = { name: prepared.size < MAX_PREPARED ? `custody_${prepared.size}` : undefined, text: numbered(sql) };
    if (statement.name) prepared.set(sql, statement);
  }
  return statement;
}

/**
 * A bare `pg` client as Sql. Each statement is prepared on the connection the first time it runs there
 * and then only bound and executed: PostgreSQL spent as long planning the command path's statements
 * (the caller's, the locks, the reads) as running them.
 */
export function pgSql(client: pg.ClientBase): Sql {
  const execute = async (sql: string, params: unknown[] = []) => {
    const { name, text } = prepare(sql);
    return (await client.query({ name, text, values: params })).rows;
  };
  return { execute } as Sql;
}

/**
 * Runs `work` on a bare `pg` connection borrowed from the ORM's pool (so it counts against the same
 * limit and closes with the ORM), given back afterwards whatever happens. With `pipeline`, statements
 * issued together are sent together, each answered in turn (pg's pipeline mode): a transaction's
 * independent statements then cost one round trip, not one each.
 */
export async function withPgConnection<T>(
  em: EntityManager,
  work: (client: pg.ClientBase) => Promise<T>,
  { pipeline = false } = {},
): Promise<T> {
  const pool = em.getConnection().getKnex().client;
  const client = (await pool.acquireConnection()) as pg.ClientBase & { pipeline: boolean };
  // The pool's clients are made by knex, without pg's option; it is read on every query, and switched
  // only while the connection is ours and idle.
  client.pipeline = pipeline;
  try {
    return await work(client);
  } finally {
    client.pipeline = false;
    await pool.releaseConnection(client);
  }
}

/**
 * Calls `send`, which issues statements on a pipelined connection, and has them leave in one write: pg
 * writes each statement with a system call of its own, and on a local connection each wakes PostgreSQL.
 */
export function sendTogether<T>(client: pg.ClientBase, send: () => T): T {
  // The connection's socket is pg's own; corking it is what pg does around each statement's messages.
  const socket = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
  socket.cork();
  try {
    return send();
  } finally {
    socket.uncork();
  }
}

/** Statements outside any transaction, each on a borrowed bare connection: for reads on every request. */
export function pooledSql(orm: MikroORM): Sql {
  const execute = (sql: string, params?: unknown[]) =>
    withPgConnection(orm.em, (client) => pgSql(client).execute(sql, params));
  return { execute } as Sql;
}

/**
 * A PostgreSQL array literal of `values`, for `= any (?::text[])`: passed as one string, because knex
 * would spread a JavaScript array into a list of placeholders.
 */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
