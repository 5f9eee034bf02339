import { signIn } from '../custody/sign-in';
import { presentUser } from '../custody/present';
import { Agency } from '../custody/agency.entity';
import { User } from '../custody/user.entity';
import { issueToken } from './auth';
import type { AppDeps } from './deps';
import type { Api } from './route';
import { loginBody, tokenSchema, userSchema } from './directory.schemas';

export function authRoutes(api: Api, { orm, tokens, loginThrottle }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with a username and password; returns a bearer token',
    tag: 'auth',
    access: 'public',
    body: loginBody,
    responses: { 200: { description: 'signed in', schema: tokenSchema } },
    handler: async ({ req, res, body }) => {
      const attempt = { username: body.username, password: body.password, address: req.ip ?? 'unknown' };
      const user = await signIn(orm.em, attempt, loginThrottle);
      const agency = await orm.em.findOneOrFail(Agency, { id: user.agencyId });
      req.log.info({ userId: user.id }, 'signed in');
      res.json({ ...issueToken(tokens, user.id), tokenType: 'Bearer', user: presentUser(user, agency) });
    },
  });

  api.add({
    method: 'get',
    path: '/me',
    summary: 'The signed-in user',
    tag: 'auth',
    access: 'authenticated',
    responses: { 200: { description: 'the caller', schema: userSchema } },
    handler: async ({ res, caller }) => {
      const user = await orm.em.findOneOrFail(User, { id: caller.id });
      res.json(presentUser(user, { code: caller.agencyCode }));
    },
  });
}
