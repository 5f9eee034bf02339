import type { Request } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { confirmPerson, type Person, type ThrottlePolicy } from '../custody/directory/sign-in';
import { UnauthorizedError, UnprocessableError } from '../errors';

/**
 * Checks the credentials of a second person (a witness, or the officer handing items over), throttled like
 * a sign-in. A wrong password is the request's fault (422): the caller's own token is fine.
 */
export async function confirmSecondPerson(
  orm: MikroORM,
  req: Request,
  who: string,
  given: { username: string; password: string },
  throttle?: ThrottlePolicy,
): Promise<Person> {
  try {
    return await confirmPerson(orm.em, { ...given, address: req.ip ?? 'unknown' }, throttle);
  } catch (err) {
    if (err instanceof UnauthorizedError)
      throw new UnprocessableError(`the ${who}'s username or password is wrong, or the user is deactivated`);
    throw err;
  }
}
