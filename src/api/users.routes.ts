import type { FilterQuery } from '@mikro-orm/core';
import { Agency } from '../custody/directory/agency.entity';
import { createUser, deactivateUser, reactivateUser, setPassword, setUserRoles } from '../custody/directory/directory';
import { presentUser } from '../custody/items/present';
import { User } from '../custody/directory/user.entity';
import { NotFoundError } from '../errors';
import { agencyScope } from './auth';
import { pageOf, uuidParam } from './common.schemas';
import { newUserBody, userListQuery, userPasswordBody, userRolesBody, userSchema } from './directory.schemas';
import type { Account } from '../custody/directory/caller';
import type { CallerCache } from '../custody/directory/caller-cache';
import type { AppDeps } from './deps';
import type { Api } from './route';

// Supervisors see their own agency's staff; inspectors and administrators see everyone.
const READERS = ['admin', 'inspector', 'approver'] as const;

export function userRoutes(api: Api, { orm, callers }: AppDeps & { callers: CallerCache<Account> }): void {
  const withAgencyCodes = async (users: User[]) => {
    const agencies = await orm.em.find(Agency, { id: { $in: [...new Set(users.map((u) => u.agencyId))] } });
    const codes = new Map(agencies.map((a) => [a.id, { code: a.code }]));
    return users.map((user) => presentUser(user, codes.get(user.agencyId)!));
  };

  api.add({
    method: 'post',
    path: '/users',
    summary: 'Create a user, who must change the password at the first sign-in',
    tag: 'users',
    access: ['admin'],
    body: newUserBody,
    responses: { 201: { description: 'created', schema: userSchema } },
    handler: async ({ req, res, body, caller }) => {
      const user = await createUser(orm.em, caller, body);
      req.log.info({ userId: user.id, roles: user.roles }, 'user created');
      res
        .status(201)
        .location(`/api/v1/users/${user.id}`)
        .json(presentUser(user, { code: body.agencyCode }));
    },
  });

  api.add({
    method: 'get',
    path: '/users',
    summary: 'List users (an approver sees their own agency)',
    tag: 'users',
    access: READERS,
    query: userListQuery,
    responses: { 200: { description: 'a page of users', schema: pageOf(userSchema) } },
    handler: async ({ res, query, caller }) => {
      // API clients are listed under /clients.
      const where: FilterQuery<User> = { kind: 'person' };
      const scope = agencyScope(caller);
      if (scope) where.agencyId = scope;
      if (query.role) where.roles = { $contains: [query.role] };
      if (query.active !== undefined) where.active = query.active;
      if (query.agencyCode) {
        const agency = await orm.em.findOne(Agency, { code: query.agencyCode });
        if (!agency || (scope && agency.id !== scope)) {
          res.json({ items: [], total: 0, limit: query.limit, offset: query.offset });
          return;
        }
        where.agencyId = agency.id;
      }
      const [users, total] = await orm.em.findAndCount(User, where, {
        orderBy: { username: 'asc' },
        limit: query.limit,
        offset: query.offset,
      });
      res.json({ items: await withAgencyCodes(users), total, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/users/{id}',
    summary: 'Read a user',
    tag: 'users',
    access: READERS,
    params: uuidParam,
    responses: { 200: { description: 'the user', schema: userSchema } },
    handler: async ({ res, params, caller }) => {
      const scope = agencyScope(caller);
      const where = { id: params.id, kind: 'person' as const };
      const user = await orm.em.findOne(User, scope ? { ...where, agencyId: scope } : where);
      if (!user) throw new NotFoundError(`user ${params.id} does not exist`);
      const [presented] = await withAgencyCodes([user]);
      res.json(presented);
    },
  });

  api.add({
    method: 'put',
    path: '/users/{id}/roles',
    summary: "Replace a user's roles",
    tag: 'users',
    access: ['admin'],
    params: uuidParam,
    body: userRolesBody,
    responses: { 200: { description: 'the updated user', schema: userSchema } },
    handler: async ({ req, res, params, body, caller }) => {
      const user = await setUserRoles(orm.em, caller, params.id, body.roles);
      callers.forget();
      req.log.info({ userId: user.id, roles: user.roles }, 'user roles changed');
      const [presented] = await withAgencyCodes([user]);
      res.json(presented);
    },
  });

  api.add({
    method: 'post',
    path: '/users/{id}/deactivate',
    summary: 'Deactivate a user: their tokens stop working at once, and stay refused after a reactivation',
    tag: 'users',
    access: ['admin'],
    params: uuidParam,
    responses: { 200: { description: 'the deactivated user', schema: userSchema } },
    handler: async ({ req, res, params, caller }) => {
      const user = await deactivateUser(orm.em, caller, params.id);
      callers.forget();
      req.log.info({ userId: user.id }, 'user deactivated');
      const [presented] = await withAgencyCodes([user]);
      res.json(presented);
    },
  });

  api.add({
    method: 'post',
    path: '/users/{id}/reactivate',
    summary: 'Reactivate a deactivated user, who signs in again (tokens from before stay refused)',
    tag: 'users',
    access: ['admin'],
    params: uuidParam,
    responses: { 200: { description: 'the reactivated user', schema: userSchema } },
    handler: async ({ req, res, params, caller }) => {
      const user = await reactivateUser(orm.em, caller, params.id);
      callers.forget();
      req.log.info({ userId: user.id }, 'user reactivated');
      const [presented] = await withAgencyCodes([user]);
      res.json(presented);
    },
  });

  api.add({
    method: 'post',
    path: '/users/{id}/password',
    summary:
      "Give a user a new password: the user's tokens are refused at once, and the password must be changed at the next sign-in",
    tag: 'users',
    access: ['admin'],
    withoutIdempotencyKey: true,
    params: uuidParam,
    body: userPasswordBody,
    responses: { 200: { description: 'the user', schema: userSchema } },
    handler: async ({ req, res, params, body, caller }) => {
      const user = await setPassword(orm.em, caller, params.id, body.password);
      callers.forget();
      req.log.info({ userId: user.id }, 'password set by an administrator');
      const [presented] = await withAgencyCodes([user]);
      res.json(presented);
    },
  });
}
