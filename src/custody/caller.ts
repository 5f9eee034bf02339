import type { AgencyKind } from './agency.entity';
import type { Sql } from './sql';
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

/** Loads an active user as a Caller, by id or by username; null if there is none or it is deactivated. */
export async function loadCaller(sql: Sql, by: { id: string } | { username: string }): Promise<Caller | null> {
  const [column, value] = 'id' in by ? ['u.id', by.id] : ['u.username', by.username];
  const [row] = await sql.execute<{ id: string; username: string; display_name: string; agency_id: string; code: string; kind: AgencyKind; roles: Role[] }[]>(
    `select u.id, u.username, u.display_name, u.agency_id, a.code, a.kind, u.roles
       from users u join agencies a on a.id = u.agency_id where ${column} = ? and u.active`,
    [value],
  );
  return row
    ? { id: row.id, username: row.username, displayName: row.display_name, agencyId: row.agency_id, agencyCode: row.code, agencyKind: row.kind, roles: row.roles }
    : null;
}
