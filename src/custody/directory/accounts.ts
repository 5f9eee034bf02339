import type { EntityManager } from '@mikro-orm/postgresql';
import { UnauthorizedError, UnprocessableError, ValidationError } from '../../errors';
import type { Caller } from './caller';
import { lockUser } from './directory';
import { recordDirectoryChange } from './directory-log';
import { hashPassword } from './password';
import { checkPassword } from './password-policy';
import { signIn, type ThrottlePolicy } from './sign-in';
import type { Language, User } from './user.entity';

// What a signed-in user does to their own account: change the password, sign out, choose a language.

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
  /** The client's address: guesses at the current password are throttled as sign-ins are. */
  address: string;
}

/**
 * Changes the caller's own password, given the current one (so that a stolen token alone cannot take the
 * account). Every token issued before is refused from now on, this one too: the caller gets a new one.
 */
export async function changeOwnPassword(
  em: EntityManager,
  caller: Caller,
  change: PasswordChange,
  throttle?: ThrottlePolicy,
): Promise<User> {
  checkPassword(change.newPassword, caller.username, 'newPassword');
  if (change.newPassword === change.currentPassword) {
    throw new ValidationError('body newPassword: must differ from the current password', [
      { in: 'body', field: 'newPassword', detail: 'must differ from the current password' },
    ]);
  }
  try {
    await signIn(
      em,
      { username: caller.username, password: change.currentPassword, address: change.address },
      throttle,
    );
  } catch (err) {
    if (err instanceof UnauthorizedError) throw new UnprocessableError('the current password is wrong');
    throw err;
  }
  const passwordHash = await hashPassword(change.newPassword);
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, caller.id);
    user.passwordHash = passwordHash;
    user.mustChangePassword = false;
    user.tokenVersion += 1;
    await tx.flush();
    await recordDirectoryChange(tx, caller, {
      action: 'user.password_changed',
      subject: { kind: 'user', id: user.id },
      change: {},
    });
    return user;
  });
}

/** Refuses one token from now on, until it would have expired anyway. */
export async function signOut(
  em: EntityManager,
  caller: Caller,
  token: { id: string; expiresAt: Date },
): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute(
      'insert into revoked_tokens (token_id, user_id, expires_at) values (?, ?, ?) on conflict do nothing',
      [token.id, caller.id, token.expiresAt],
    );
    // What has expired is refused as expired: it need not be kept.
    await tx.execute('delete from revoked_tokens where expires_at < now()');
  });
}

/** Refuses every token of the caller issued until now. */
export async function signOutEverywhere(em: EntityManager, caller: Caller): Promise<void> {
  await em.transactional(async (tx) => {
    const user = await lockUser(tx, caller.id);
    user.tokenVersion += 1;
    await tx.flush();
    await recordDirectoryChange(tx, caller, {
      action: 'user.signed_out_everywhere',
      subject: { kind: 'user', id: user.id },
      change: {},
    });
  });
}

/**
 * Keeps the language the caller chose for the console. Not a directory change: it grants and takes away
 * nothing, so it is not in the directory log.
 */
export async function chooseLanguage(em: EntityManager, caller: Caller, language: Language): Promise<User> {
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, caller.id);
    user.language = language;
    await tx.flush();
    return user;
  });
}
