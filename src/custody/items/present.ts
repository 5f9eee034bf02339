import type { Agency } from '../directory/agency.entity';
import type { User } from '../directory/user.entity';

/** The public shapes of records: what responses carry, and nothing else (never a password hash). */
export function presentAgency(agency: Agency) {
  return {
    id: agency.id,
    code: agency.code,
    name: agency.name,
    kind: agency.kind,
    createdAt: agency.createdAt.toISOString(),
  };
}

export function presentUser(user: User, agency: Pick<Agency, 'code'>) {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    agencyId: user.agencyId,
    agencyCode: agency.code,
    roles: user.roles,
    active: user.active,
    mustChangePassword: user.mustChangePassword,
    language: user.language ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
