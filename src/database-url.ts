/**
 * A PostgreSQL URL as libpq reads it, several hosts included: `postgres://user@h1:5432,h2:5432/db?target_session_attrs=read-write`
 * (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-MULTIPLE-HOSTS). node-postgres and
 * MikroORM take one host only, and WHATWG's URL refuses a list of them; so the list is split here, each host
 * keeping the rest of the URL, and database-connect.ts tries them in order as libpq does.
 */

/** Which session will do: `any` host that answers, or only one that accepts writes (a primary, not a standby). */
export type SessionAttrs = 'any' | 'read-write';

export interface DatabaseHost {
  /** As written (`db1:5432`, `[::1]`), for messages and logs: never the credentials. */
  name: string;
  /** The URL of this host alone: credentials, database and every other option as in the original. */
  url: string;
}

export interface DatabaseTarget {
  /** In the order given: the first usable one is kept. */
  hosts: DatabaseHost[];
  sessionAttrs: SessionAttrs;
  /** libpq's `connect_timeout` (seconds in the URL), per host tried; 0 waits as long as the system does. */
  connectTimeoutMs: number;
  /** One host, any session: connect exactly as node-postgres and MikroORM do on their own. */
  plain: boolean;
}

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

const SESSION_ATTRS: readonly string[] = ['any', 'read-write'] satisfies SessionAttrs[];
// These two are libpq's, read here; node-postgres ignores them, so they are taken out of each host's URL.
const OWN_OPTIONS = ['target_session_attrs', 'connect_timeout'];

function checkHost(spec: string, index: number, count: number): void {
  const which = count > 1 ? `host ${index + 1} of ${count}` : 'the host';
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(spec);
  if (!match) throw new DatabaseUrlError(`${which} ("${spec}") is not host or host:port`);
  const [, name, port] = match;
  if (count > 1 && !name) throw new DatabaseUrlError(`${which} is empty: list them as host:port,host:port`);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535))
    throw new DatabaseUrlError(`${which} ("${spec}") has a port that is not a number from 1 to 65535`);
}

/** Splits a postgres:// URL into its hosts; throws DatabaseUrlError, in words fit for one line, when it is not one. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const match = /^(postgres(?:ql)?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/.exec(url);
  if (!match) throw new DatabaseUrlError('must be a postgres:// or postgresql:// URL');
  const [, scheme, authority, path, query, fragment] = match;
  const at = authority!.lastIndexOf('@');
  const userinfo = authority!.slice(0, at + 1);
  const specs = authority!.slice(at + 1).split(',');

  const params = new URLSearchParams(query ?? '');
  const sessionAttrs = params.get('target_session_attrs') ?? 'any';
  if (!SESSION_ATTRS.includes(sessionAttrs))
    throw new DatabaseUrlError(`target_session_attrs must be ${SESSION_ATTRS.join(' or ')}, not "${sessionAttrs}"`);
  const timeout = params.get('connect_timeout') ?? '0';
  if (!/^\d{1,6}$/.test(timeout)) throw new DatabaseUrlError('connect_timeout must be a whole number of seconds');
  const own = OWN_OPTIONS.some((option) => params.has(option));
  for (const option of OWN_OPTIONS) params.delete(option);
  // Untouched unless one of those was there, so that a plain URL reaches node-postgres exactly as written.
  const kept = own ? params.toString() : query;
  const rest = `${path}${kept ? `?${kept}` : ''}${fragment ?? ''}`;

  const hosts = specs.map((spec, i) => {
    checkHost(spec, i, specs.length);
    const single = `${scheme}://${userinfo}${spec}${rest}`;
    // What node-postgres will be given: it must be a URL (WHATWG's) on its own.
    if (!URL.canParse(single))
      throw new DatabaseUrlError(`is not a valid URL${specs.length > 1 ? ` (at host ${i + 1})` : ''}`);
    return { name: spec || 'localhost', url: single };
  });
  return {
    hosts,
    sessionAttrs: sessionAttrs as SessionAttrs,
    // libpq takes anything under 2 s as 2 s: a shorter wait gives up on hosts that are merely slow to answer.
    connectTimeoutMs: Number(timeout) === 0 ? 0 : Math.max(2, Number(timeout)) * 1000,
    plain: hosts.length === 1 && sessionAttrs === 'any' && !own,
  };
}
