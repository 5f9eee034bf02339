import type { AgencyKind } from './agency.entity';
import type { Sql } from '../sql';
import type { Role } from './user.entity';

/** Who is acting: the signed-in user as every command sees it, loaded from the database on each request. */
export interface Caller {
  id: string;
  username: string;
  displayName: string;
  agencyId: string;
  agencyCode: string;
  agencyKind: AgencyKind;
  roles: Role[];
}

export const hasRole = (caller: Caller, ...roles: Role[]) => caller.roles.some((r) => roles.includes(r));

/** Roles that see every agency's records (warehouse staff see every item their centre holds). */
export const seesAllItems = (caller: Caller) => hasRole(caller, 'inspector', 'admin', 'warehouse');

/** The caller with what a token of theirs is checked against. */
export interface Account {
  caller: Caller;
  /** A token issued under an older version is refused. */
  tokenVersion: number;
  /** The password was set by an administrator: a token allows only changing it. */
  mustChangePassword: boolean;
  /** Tokens signed out one by one that have not expired yet. */
  revokedTokenIds: ReadonlySet<string>;
}

type Row = {
  id: string;
  username: string;
  display_name: string;
  agency_id: string;
  code: string;
  kind: AgencyKind;
  roles: Role[];
  token_version: number;
  must_change_password: boolean;
  revoked: string[] | null;
};

const SELECT = `select u.id, u.username, u.display_name, u.agency_id, a.code, a.kind, u.roles`;

const callerOf = (row: Omit<Row, 'token_version' | 'must_change_password' | 'revoked'>): Caller => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  agencyId: row.agency_id,
  agencyCode: row.code,
  agencyKind: row.kind,
  roles: row.roles,
});

/** Loads an active user as a Caller, by id or by username; null if there is none or it is deactivated. */
export async function loadCaller(sql: Sql, by: { id: string } | { username: string }): Promise<Caller | null> {
  const [column, value] = 'id' in by ? ['u.id', by.id] : ['u.username', by.username];
  const [row] = await sql.execute<Row[]>(
    `${SELECT} from users u join agencies a on a.id = u.agency_id where ${column} = ? and u.active`,
    [value],
  );
  return row ? callerOf(row) : null;
}

/** Loads an active user's Account by id; null if there is none or it is deactivated. */
export async function loadAccount(sql: Sql, id: string): Promise<Account | null> {
  const [row] = await sql.execute<Row[]>(
    `${SELECT}, u.token_version, u.must_change_password,
            (select array_agg(r.token_id::text) from revoked_tokens r where r.user_id = u.id and r.expires_at > now()) as revoked
       from users u join agencies a on a.id = u.agency_id where u.id = ? and u.active`,
    [id],
  );
  return row
    ? {
        caller: callerOf(row),
        tokenVersion: row.token_version,
        mustChangePassword: row.must_change_password,
        revokedTokenIds: new Set(row.revoked ?? []),
      }
    : null;
}
