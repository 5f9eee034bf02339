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

/** An API client as its administrators see it: its id for the token request, never its secret's hash. */
export function presentClient(client: User, agency: Pick<Agency, 'code'>) {
  return {
    id: client.id,
    clientId: client.username,
    name: client.displayName,
    agencyId: client.agencyId,
    agencyCode: agency.code,
    roles: client.roles,
    active: client.active,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
  };
}
