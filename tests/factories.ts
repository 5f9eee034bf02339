import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Agency, type AgencyKind } from '../src/custody/directory/agency.entity';
import { hashPassword } from '../src/custody/directory/password';
import { User, type Role } from '../src/custody/directory/user.entity';
import { issueToken } from '../src/api/auth';
import type { TestContext } from './context';

// It must pass the password policy, as every password a user could have does.
export const TEST_PASSWORD = 'seized ledger lantern 2026';
// Hashing is slow on purpose; every factory user shares one hash of the test password.
let testHash: Promise<string> | undefined;
const sharedHash = () => (testHash ??= hashPassword(TEST_PASSWORD));

const unique = () => randomBytes(4).toString('hex');

export async function makeAgency(
  em: EntityManager,
  overrides: Partial<{ code: string; name: string; kind: AgencyKind }> = {},
) {
  const agency = em.create(Agency, {
    code: overrides.code ?? `AG-${unique().toUpperCase()}`,
    name: overrides.name ?? 'Test agency',
    kind: overrides.kind ?? 'police',
  });
  await em.flush();
  return agency;
}

export async function makeUser(
  em: EntityManager,
  overrides: Partial<{ username: string; displayName: string; roles: Role[]; agency: Agency; active: boolean }> = {},
) {
  const agency = overrides.agency ?? (await makeAgency(em));
  const user = em.create(User, {
    username: overrides.username ?? `user-${unique()}`,
    displayName: overrides.displayName ?? 'Test user',
    agencyId: agency.id,
    roles: overrides.roles ?? ['officer'],
    active: overrides.active ?? true,
    passwordHash: await sharedHash(),
  });
  await em.flush();
  return { user, agency };
}

/** A user and a bearer token for them, signed as the app signs tokens. */
export async function signedIn(ctx: TestContext, overrides: Parameters<typeof makeUser>[1] = {}) {
  const made = await makeUser(ctx.orm.em.fork(), overrides);
  const { accessToken } = issueToken(ctx.tokens, made.user);
  return { ...made, token: accessToken, auth: `Bearer ${accessToken}` };
}
