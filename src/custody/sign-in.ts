import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TooManyRequestsError, UnauthorizedError } from '../errors';
import { decoyHash, verifyPassword } from './password';
import { User } from './user.entity';

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

interface Attempt {
  username: string;
  password: string;
  address: string;
}

async function recentFailures(em: EntityManager, { username, address }: Attempt, windowMinutes: number) {
  const [row] = await em.getConnection().execute<{ failures: string; expires_in: string | null }[]>(
    `select count(*) as failures,
            ceil(extract(epoch from min(at) + make_interval(mins => ?) - now())) as expires_in
       from login_failures
      where (username = ? or address = ?) and at > now() - make_interval(mins => ?)`,
    [windowMinutes, username, address, windowMinutes],
  );
  // Seconds until the oldest counted failure leaves the window.
  return { failures: Number(row?.failures ?? 0), expiresIn: Number(row?.expires_in ?? 0) };
}

/**
 * Checks a username and password. Guessing is slowed after a few failures and refused after more, counted
 * both per username (one account attacked from many places) and per address (many accounts from one place).
 */
export async function signIn(em: EntityManager, attempt: Attempt, policy = DEFAULT_THROTTLE): Promise<User> {
  const { failures, expiresIn } = await recentFailures(em, attempt, policy.windowMinutes);
  const delay = throttleDelay(failures, policy);
  if (delay === 'refuse') {
    const retryAfter = Math.max(1, expiresIn);
    throw new TooManyRequestsError(
      `too many failed sign-ins for this user or address; try again in ${Math.ceil(retryAfter / 60)} minutes`,
      retryAfter,
    );
  }
  if (delay > 0) await sleep(delay);

  const user = await em.findOne(User, { username: attempt.username });
  const valid = await verifyPassword(attempt.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !valid || !user.active) {
    await em
      .getConnection()
      .execute('insert into login_failures (username, address) values (?, ?)', [attempt.username, attempt.address]);
    // One message for every cause, so that a caller cannot learn which usernames exist.
    throw new UnauthorizedError('the username or password is wrong, or the user is deactivated');
  }
  await em.getConnection().execute('delete from login_failures where username = ?', [attempt.username]);
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
