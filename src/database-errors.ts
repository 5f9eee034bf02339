import { DriverException } from '@mikro-orm/core';

// No connection could be had (refused, none of DATABASE_URL's hosts accepting writes while a standby is
// promoted, the pool waiting in vain): nothing of the request reached the database.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', '08001', '57P03']);
const UNREACHABLE = /Knex: Timeout acquiring a connection/i;
// The connection was lost under a statement (the server shut down or died): a COMMIT may have gone through.
// knex reports a transaction whose connection died under it as "Transaction query already complete".
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', '57P01', '57P02', '08006']);
const LOST = /Connection terminated|Connection ended unexpectedly|not queryable|Transaction query already complete/i;

function classify(err: unknown): 'unreachable' | 'lost' | null {
  const e = err as { code?: string; message?: string };
  const code = String(e?.code);
  const message = e instanceof Error ? e.message : '';
  if (UNREACHABLE_CODES.has(code) || UNREACHABLE.test(message)) return 'unreachable';
  if (LOST_CODES.has(code) || LOST.test(message)) return 'lost';
  return null;
}

/**
 * Whether an error means the database could not be used at all, and how: a request answers 503 for it, and
 * a background job waits for the database to come back instead of reporting an error of its own.
 */
export const databaseUnavailable = (err: unknown): 'unreachable' | 'lost' | null =>
  classify(err) ?? (err instanceof DriverException ? classify(err.cause) : null);
