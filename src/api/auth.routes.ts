import type { Request, Response } from 'express';
import { z } from 'zod';
import { changeOwnPassword, chooseLanguage, signOut, signOutEverywhere } from '../custody/directory/accounts';
import type { Account } from '../custody/directory/caller';
import type { CallerCache } from '../custody/directory/caller-cache';
import { signIn } from '../custody/directory/sign-in';
import { presentUser } from '../custody/items/present';
import { Agency } from '../custody/directory/agency.entity';
import { User } from '../custody/directory/user.entity';
import { clearSessionCookies, issueToken, setSessionCookies } from './auth';
import type { AppDeps } from './deps';
import type { Api } from './route';
import {
  languageBody,
  loginBody,
  passwordChangeBody,
  sessionSchema,
  tokenSchema,
  userSchema,
} from './directory.schemas';

export function authRoutes(
  api: Api,
  { orm, tokens, loginThrottle, callers }: AppDeps & { callers: CallerCache<Account> },
): void {
  const signedIn = async (user: User) => {
    const agency = await orm.em.findOneOrFail(Agency, { id: user.agencyId });
    return {
      ...issueToken(tokens, user),
      tokenType: 'Bearer' as const,
      passwordChangeRequired: user.mustChangePassword,
      user: presentUser(user, agency),
    };
  };
  const passwordSignIn = async (req: Request, { username, password }: { username: string; password: string }) => {
    const user = await signIn(orm.em, { username, password, address: req.ip ?? 'unknown' }, loginThrottle);
    req.log.info({ userId: user.id }, 'signed in');
    return signedIn(user);
  };
  // The console's answer: the token goes into the cookies, never into the page.
  const session = (
    req: Request,
    res: Response,
    { accessToken, tokenType: _, ...rest }: Awaited<ReturnType<typeof signedIn>>,
  ) => ({
    ...rest,
    csrfToken: setSessionCookies(req, res, tokens, { accessToken, expiresIn: rest.expiresIn }),
  });

  api.add({
    method: 'post',
    path: '/auth/login',
    summary:
      'Sign in with a username and password; returns a bearer token (one that allows only the password change, if an administrator set the password)',
    tag: 'auth',
    access: 'public',
    body: loginBody,
    responses: { 200: { description: 'signed in', schema: tokenSchema } },
    handler: async ({ req, res, body }) => {
      res.json(await passwordSignIn(req, body));
    },
  });

  api.add({
    method: 'post',
    path: '/auth/session',
    summary:
      "The console's sign-in: sets the session in an httpOnly, SameSite=Strict cookie (Secure behind TLS) and answers the CSRF token that every state-changing request of the session must carry in X-CSRF-Token",
    tag: 'auth',
    access: 'public',
    body: loginBody,
    responses: { 200: { description: 'signed in', schema: sessionSchema } },
    handler: async ({ req, res, body }) => {
      res.json(session(req, res, await passwordSignIn(req, body)));
    },
  });

  api.add({
    method: 'post',
    path: '/auth/password',
    summary:
      "Change one's own password, given the current one; every earlier token is refused from now on, and the answer carries a new one",
    tag: 'auth',
    access: 'authenticated',
    beforePasswordChange: true,
    withoutIdempotencyKey: true,
    body: passwordChangeBody,
    responses: {
      200: {
        description: 'changed, and signed in again (a console session gets new cookies instead of a token)',
        schema: z.union([tokenSchema, sessionSchema]),
      },
    },
    handler: async ({ req, res, body, caller }) => {
      const user = await changeOwnPassword(orm.em, caller, { ...body, address: req.ip ?? 'unknown' }, loginThrottle);
      callers.forget();
      req.log.info({ userId: user.id }, 'password changed');
      const renewed = await signedIn(user);
      res.json(req.viaSessionCookie ? session(req, res, renewed) : renewed);
    },
  });

  api.add({
    method: 'post',
    path: '/auth/logout',
    summary: 'Sign out: this token is refused from now on',
    tag: 'auth',
    access: 'authenticated',
    beforePasswordChange: true,
    responses: { 204: { description: 'signed out' } },
    handler: async ({ req, res, caller }) => {
      await signOut(orm.em, caller, req.token!);
      callers.forget();
      if (req.viaSessionCookie) clearSessionCookies(req, res);
      req.log.info({ userId: caller.id }, 'signed out');
      res.status(204).end();
    },
  });

  api.add({
    method: 'post',
    path: '/auth/logout-everywhere',
    summary: "Sign out everywhere: every token of the caller's is refused from now on, this one too",
    tag: 'auth',
    access: 'authenticated',
    beforePasswordChange: true,
    responses: { 204: { description: 'signed out everywhere' } },
    handler: async ({ req, res, caller }) => {
      await signOutEverywhere(orm.em, caller);
      callers.forget();
      if (req.viaSessionCookie) clearSessionCookies(req, res);
      req.log.info({ userId: caller.id }, 'signed out everywhere');
      res.status(204).end();
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

  api.add({
    method: 'put',
    path: '/me/language',
    summary: "Keep the console's language for the signed-in user: it is theirs at their next sign-in, anywhere",
    tag: 'auth',
    access: 'authenticated',
    body: languageBody,
    responses: { 200: { description: 'the caller', schema: userSchema } },
    handler: async ({ res, body, caller }) => {
      const user = await chooseLanguage(orm.em, caller, body.language);
      res.json(presentUser(user, { code: caller.agencyCode }));
    },
  });
}
