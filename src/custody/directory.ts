import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, UnprocessableError } from '../errors';
import { Agency, type AgencyKind } from './agency.entity';
import { hashPassword } from './password';
import { User, type Role } from './user.entity';

export interface NewAgency {
  code: string;
  name: string;
  kind: AgencyKind;
}

export async function createAgency(em: EntityManager, input: NewAgency): Promise<Agency> {
  return em.transactional(async (tx) => {
    if (await tx.count(Agency, { code: input.code })) {
      throw new ConflictError(`an agency with code ${input.code} already exists`);
    }
    const agency = tx.create(Agency, { code: input.code, name: input.name, kind: input.kind });
    await tx.flush();
    return agency;
  });
}

export interface NewUser {
  username: string;
  displayName: string;
  agencyCode: string;
  roles: Role[];
  password: string;
}

export async function createUser(em: EntityManager, input: NewUser): Promise<User> {
  // Hash outside the transaction: it is slow on purpose and needs no lock.
  const passwordHash = await hashPassword(input.password);
  return em.transactional(async (tx) => {
    const agency = await tx.findOne(Agency, { code: input.agencyCode });
    if (!agency) throw new UnprocessableError(`agency ${input.agencyCode} does not exist`);
    if (await tx.count(User, { username: input.username })) {
      throw new ConflictError(`the username ${input.username} is taken`);
    }
    const user = tx.create(User, {
      username: input.username,
      displayName: input.displayName,
      agencyId: agency.id,
      roles: [...new Set(input.roles)],
      passwordHash,
    });
    await tx.flush();
    return user;
  });
}

async function findUser(tx: EntityManager, id: string): Promise<User> {
  const user = await tx.findOne(User, { id });
  if (!user) throw new NotFoundError(`user ${id} does not exist`);
  return user;
}

export async function setUserRoles(em: EntityManager, id: string, roles: Role[]): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await findUser(tx, id);
    user.roles = [...new Set(roles)];
    await tx.flush();
    return user;
  });
}

export async function deactivateUser(em: EntityManager, id: string, byUserId: string): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await findUser(tx, id);
    if (user.id === byUserId) throw new ConflictError('administrators cannot deactivate themselves');
    user.active = false;
    await tx.flush();
    return user;
  });
}
