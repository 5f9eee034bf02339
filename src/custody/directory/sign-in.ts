import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TooManyRequestsError, UnauthorizedError } from '../../errors';
import { decoyHash, verifyPassword } from './password';
import { User, type UserKind } from './user.entity';

export interface ThrottlePolicy {
  windowMinutes: number;
  /** Failures (per username or per address) after which each further attempt is slowed down. */
  slowAfter: number;
  /** Failures after which attempts are refused until the window has passed. */
  refuseAfter: number;
  stepDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  windowMinutes: 15,
  slowAfter: 3,
  refuseAfter: 10,
  stepDelayMs: 500,
  maxDelayMs: 4000,
};

/** How long to hold an attempt after `failures` recent failures, or 'refuse'. */
export function throttleDelay(failures: number, policy: ThrottlePolicy): number | 'refuse' {
  if (failures >= policy.refuseAfter) return 'refuse';
  if (failures < policy.slowAfter) return 0;
  return Math.min(policy.maxDelayMs, (failures - policy.slowAfter + 1) * policy.stepDelayMs);
}

export interface Attempt {
  username: string;
  password: string;
  address: string;
}

type Claim = { refused: { retryAfter: number } } | { id: string; delay: number };

/**
 * Claims one attempt for this username and this address, as one step: under a lock per username and per
 * address, counts the recent failures and records this attempt as one before its password is checked, so
 * that concurrent attempts cannot all read the same count. The claim commits before anything is waited for
 * or checked: no lock is held while the attempt is slowed down or its password hashed.
 */
async function claimAttempt(em: EntityManager, { username, address }: Attempt, policy: ThrottlePolicy): Promise<Claim> {
  // A transaction of its own, also when the caller is in one, since the claim must count however the
  // caller's ends; and the connection's, not the EntityManager's, whose commit hooks would take the claim
  // for the request's command (marking its Idempotency-Key carried out).
  const connection = em.getConnection();
  return connection.transactional(async (trx) => {
    const run = <T extends object[]>(sql: string, params: unknown[]) => connection.execute<T>(sql, params, 'all', trx);
    // Always the username's lock first, then the address's: two attempts never wait for each other in a cycle.
    await run(`select pg_advisory_xact_lock(hashtext('custody.sign-in.username'), hashtext(?))`, [username]);
    await run(`select pg_advisory_xact_lock(hashtext('custody.sign-in.address'), hashtext(?))`, [address]);
    const [row] = await run<{ failures: string; expires_in: string | null }[]>(
      `select count(*) as failures,
              ceil(extract(epoch from min(at) + make_interval(mins => ?) - now())) as expires_in
         from login_failures
        where (username = ? or address = ?) and at > now() - make_interval(mins => ?)`,
      [policy.windowMinutes, username, address, policy.windowMinutes],
    );
    const delay = throttleDelay(Number(row?.failures ?? 0), policy);
    // Seconds until the oldest counted failure leaves the window.
    if (delay === 'refuse') return { refused: { retryAfter: Math.max(1, Number(row?.expires_in ?? 0)) } };
    const [claimed] = await run<{ id: string }[]>(
      'insert into login_failures (username, address) values (?, ?) returning id',
      [username, address],
    );
    return { id: claimed!.id, delay };
  });
}

/**
 * Checks a username and password. Guessing is slowed after a few failures and refused after more, counted
 * both per username (one account attacked from many places) and per address (many accounts from one place).
 * Each attempt is counted as a failure before its password is checked and forgiven only if it succeeds, so
 * that at most the policy's number of passwords are ever checked in a window, however many arrive at once.
 */
export async function signIn(
  em: EntityManager,
  attempt: Attempt,
  policy = DEFAULT_THROTTLE,
  kind: UserKind = 'person',
): Promise<User> {
  const claim = await claimAttempt(em, attempt, policy);
  if ('refused' in claim) {
    const { retryAfter } = claim.refused;
    throw new TooManyRequestsError(
      `too many failed sign-ins for this user or address; try again in ${Math.ceil(retryAfter / 60)} minutes`,
      retryAfter,
    );
  }
  if (claim.delay > 0) await sleep(claim.delay);

  const user = await em.findOne(User, { username: attempt.username });
  const valid = await verifyPassword(attempt.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !valid || !user.active || user.kind !== kind) {
    // The claimed attempt stays as the failure. One message for every cause, so that a caller cannot
    // learn which usernames exist.
    throw new UnauthorizedError('the username or password is wrong, or the user is deactivated');
  }
  await em
    .getConnection()
    .execute('delete from login_failures where username = ? or id = ?', [attempt.username, claim.id]);
  return user;
}

/** A second person (a witness, or the officer handing items over) who confirmed with their own credentials. */
export interface Person {
  id: string;
  username: string;
  agencyId: string;
  roles: User['roles'];
}

export async function confirmPerson(em: EntityManager, attempt: Attempt, policy = DEFAULT_THROTTLE): Promise<Person> {
  const user = await signIn(em, attempt, policy);
  return { id: user.id, username: user.username, agencyId: user.agencyId, roles: user.roles };
}
