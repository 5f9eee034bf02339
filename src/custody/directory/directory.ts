import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { ConflictError, NotFoundError, UnprocessableError } from '../../errors';
import { Agency, type AgencyKind } from './agency.entity';
import type { Caller } from './caller';
import { recordDirectoryChange } from './directory-log';
import { hashPassword } from './password';
import { checkPassword } from './password-policy';
import { User, type Role, type UserKind } from './user.entity';

// Each command records what it changed in the directory log, in its own transaction. `actor` is who
// made the change: null for the server itself (the first start, the demo).

export interface NewAgency {
  code: string;
  name: string;
  kind: AgencyKind;
}

export async function createAgency(em: EntityManager, actor: Caller | null, input: NewAgency): Promise<Agency> {
  return em.transactional(async (tx) => {
    if (await tx.count(Agency, { code: input.code })) {
      throw new ConflictError(`an agency with code ${input.code} already exists`);
    }
    const agency = tx.create(Agency, { code: input.code, name: input.name, kind: input.kind });
    await tx.flush();
    await recordDirectoryChange(tx, actor, {
      action: 'agency.created',
      subject: { kind: 'agency', id: agency.id },
      change: { code: agency.code, name: agency.name, kind: agency.kind },
    });
    return agency;
  });
}

export interface AgencyChange {
  name?: string;
  kind?: AgencyKind;
}

/**
 * Renames an agency or corrects its kind. Its code stays: it is printed on labels and named in requests,
 * events and other systems' records.
 */
export async function changeAgency(em: EntityManager, actor: Caller, id: string, input: AgencyChange): Promise<Agency> {
  return em.transactional(async (tx) => {
    const agency = await tx.findOne(Agency, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!agency) throw new NotFoundError(`agency ${id} does not exist`);
    const change: { [key: string]: { from: string; to: string } } = {};
    if (input.name !== undefined && input.name !== agency.name) {
      change.name = { from: agency.name, to: input.name };
      agency.name = input.name;
    }
    if (input.kind !== undefined && input.kind !== agency.kind) {
      change.kind = { from: agency.kind, to: input.kind };
      agency.kind = input.kind;
    }
    // Nothing changed, nothing recorded: sending the same form twice is harmless.
    if (Object.keys(change).length === 0) return agency;
    await tx.flush();
    await recordDirectoryChange(tx, actor, { action: 'agency.changed', subject: { kind: 'agency', id }, change });
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

/**
 * Creates a user with a password someone else chose: by default the user must change it at the first
 * sign-in (the demo's and the first start's accounts need not).
 */
export async function createUser(
  em: EntityManager,
  actor: Caller | null,
  input: NewUser,
  { mustChangePassword = true } = {},
): Promise<User> {
  checkPassword(input.password, input.username, 'password');
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
      mustChangePassword,
    });
    await tx.flush();
    await recordDirectoryChange(tx, actor, {
      action: 'user.created',
      subject: { kind: 'user', id: user.id },
      change: {
        username: user.username,
        displayName: user.displayName,
        agencyCode: agency.code,
        roles: user.roles,
        mustChangePassword,
      },
    });
    return user;
  });
}

/** The user (of that kind, when one is named), locked for the change. */
export async function lockUser(tx: EntityManager, id: string, kind?: UserKind): Promise<User> {
  const user = await tx.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!user || (kind && user.kind !== kind))
    throw new NotFoundError(`${kind === 'client' ? 'API client' : 'user'} ${id} does not exist`);
  return user;
}

export async function setUserRoles(em: EntityManager, actor: Caller, id: string, roles: Role[]): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id, 'person');
    const from = user.roles;
    user.roles = [...new Set(roles)];
    await tx.flush();
    await recordDirectoryChange(tx, actor, {
      action: 'user.roles_changed',
      subject: { kind: 'user', id },
      change: { roles: { from, to: user.roles } },
    });
    return user;
  });
}

/** Deactivates a user; their tokens stop working, and stay refused if the user is reactivated. */
export async function deactivateUser(em: EntityManager, actor: Caller, id: string): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id, 'person');
    if (user.id === actor.id) throw new ConflictError('administrators cannot deactivate themselves');
    if (!user.active) throw new ConflictError(`user ${user.username} is already deactivated`);
    user.active = false;
    user.tokenVersion += 1;
    await tx.flush();
    await recordDirectoryChange(tx, actor, { action: 'user.deactivated', subject: { kind: 'user', id }, change: {} });
    return user;
  });
}

export async function reactivateUser(em: EntityManager, actor: Caller, id: string): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id, 'person');
    if (user.active) throw new ConflictError(`user ${user.username} is active`);
    user.active = true;
    await tx.flush();
    await recordDirectoryChange(tx, actor, { action: 'user.reactivated', subject: { kind: 'user', id }, change: {} });
    return user;
  });
}

/**
 * An administrator gives a user a new password (a forgotten one, a handed-over account): every token of
 * the user is refused from now on, and the user must change the password at the next sign-in.
 */
export async function setPassword(em: EntityManager, actor: Caller, id: string, password: string): Promise<User> {
  const target = await em.findOne(User, { id, kind: 'person' });
  if (!target) throw new NotFoundError(`user ${id} does not exist`);
  checkPassword(password, target.username, 'password');
  const passwordHash = await hashPassword(password);
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id, 'person');
    user.passwordHash = passwordHash;
    user.mustChangePassword = true;
    user.tokenVersion += 1;
    await tx.flush();
    await recordDirectoryChange(tx, actor, {
      action: 'user.password_set',
      subject: { kind: 'user', id },
      change: { mustChangePassword: true },
    });
    return user;
  });
}
