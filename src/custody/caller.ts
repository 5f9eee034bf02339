import type { AgencyKind } from './agency.entity';
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
