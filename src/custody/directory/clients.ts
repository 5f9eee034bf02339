import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, UnprocessableError } from '../../errors';
import { Agency } from './agency.entity';
import type { Caller } from './caller';
import { lockUser } from './directory';
import { recordDirectoryChange } from './directory-log';
import { generateClientSecret, hashClientSecret } from './password';
import { User, type Role } from './user.entity';

/**
 * API clients: systems (the police case system, a provincial platform) that call the API with credentials of
 * their own rather than a person's. A client is a user of kind `client`, so that its agency and roles are
 * checked as a person's are and the events it causes name it as their actor; it obtains tokens by the OAuth
 * 2.0 client-credentials grant (RFC 6749 §4.4) with its id (the username) and a secret that is shown once.
 */

export interface NewClient {
  name: string;
  agencyCode: string;
  roles: Role[];
}

/** A client's id, its username: random, so that one system's id tells nothing of another's. */
const newClientId = () => `client-${randomBytes(10).toString('hex')}`;

export async function createClient(
  em: EntityManager,
  actor: Caller,
  input: NewClient,
): Promise<{ client: User; secret: string }> {
  const secret = generateClientSecret();
  const client = await em.transactional(async (tx) => {
    const agency = await tx.findOne(Agency, { code: input.agencyCode });
    if (!agency) throw new UnprocessableError(`agency ${input.agencyCode} does not exist`);
    const user = tx.create(User, {
      kind: 'client',
      username: newClientId(),
      displayName: input.name,
      agencyId: agency.id,
      roles: [...new Set(input.roles)],
      passwordHash: hashClientSecret(secret),
      mustChangePassword: false,
    });
    await tx.flush();
    await recordDirectoryChange(tx, actor, {
      action: 'client.created',
      subject: { kind: 'user', id: user.id },
      change: { clientId: user.username, name: user.displayName, agencyCode: agency.code, roles: user.roles },
    });
    return user;
  });
  return { client, secret };
}

/** A new secret for the client: the old one, and every token obtained with it, is refused from now on. */
export async function changeClientSecret(
  em: EntityManager,
  actor: Caller,
  id: string,
): Promise<{ client: User; secret: string }> {
  const secret = generateClientSecret();
  const client = await em.transactional(async (tx) => {
    const user = await lockUser(tx, id, 'client');
    if (!user.active) throw new ConflictError(`API client ${user.username} is revoked`);
    user.passwordHash = hashClientSecret(secret);
    user.tokenVersion += 1;
    await tx.flush();
    await recordDirectoryChange(tx, actor, {
      action: 'client.secret_changed',
      subject: { kind: 'user', id },
      change: {},
    });
    return user;
  });
  return { client, secret };
}

/**
 * Revokes a client for good: its tokens are refused at once (the caller cache forgets the account on the
 * change) and it obtains no more. A system that is to connect again gets a new client.
 */
export async function revokeClient(em: EntityManager, actor: Caller, id: string): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id, 'client');
    if (!user.active) throw new ConflictError(`API client ${user.username} is already revoked`);
    user.active = false;
    user.tokenVersion += 1;
    await tx.flush();
    await recordDirectoryChange(tx, actor, { action: 'client.revoked', subject: { kind: 'user', id }, change: {} });
    return user;
  });
}
