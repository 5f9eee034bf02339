import type { FilterQuery } from '@mikro-orm/core';
import { Agency } from '../custody/directory/agency.entity';
import type { Account } from '../custody/directory/caller';
import type { CallerCache } from '../custody/directory/caller-cache';
import { changeClientSecret, createClient, revokeClient } from '../custody/directory/clients';
import { User } from '../custody/directory/user.entity';
import { presentClient } from '../custody/items/present';
import { NotFoundError } from '../errors';
import { pageOf, uuidParam } from './common.schemas';
import { clientListQuery, clientSchema, clientWithSecretSchema, newClientBody } from './directory.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

/** API clients, which administrators create, give a new secret and revoke (src/custody/directory/clients.ts). */
export function clientRoutes(api: Api, { orm, callers }: AppDeps & { callers: CallerCache<Account> }): void {
  const presented = async (clients: User[]) => {
    const agencies = await orm.em.find(Agency, { id: { $in: [...new Set(clients.map((c) => c.agencyId))] } });
    const codes = new Map(agencies.map((a) => [a.id, { code: a.code }]));
    return clients.map((client) => presentClient(client, codes.get(client.agencyId)!));
  };

  api.add({
    method: 'post',
    path: '/clients',
    summary:
      'Create an API client: a system that obtains tokens by the OAuth 2.0 client-credentials grant (POST /oauth/token) and acts with its agency and roles. The answer holds its secret, shown this once',
    tag: 'clients',
    access: ['admin'],
    // The answer holds the secret: it is not kept under an Idempotency-Key to be answered again.
    withoutIdempotencyKey: true,
    body: newClientBody,
    responses: { 201: { description: 'created, with its secret', schema: clientWithSecretSchema } },
    handler: async ({ req, res, body, caller }) => {
      const { client, secret } = await createClient(orm.em, caller, body);
      req.log.info({ userId: client.id, roles: client.roles }, 'API client created');
      const [shown] = await presented([client]);
      res
        .status(201)
        .location(`/api/v1/clients/${client.id}`)
        .json({ ...shown, clientSecret: secret });
    },
  });

  api.add({
    method: 'get',
    path: '/clients',
    summary: 'List API clients',
    tag: 'clients',
    access: ['admin'],
    query: clientListQuery,
    responses: { 200: { description: 'a page of API clients', schema: pageOf(clientSchema) } },
    handler: async ({ res, query }) => {
      const where: FilterQuery<User> = { kind: 'client' };
      if (query.active !== undefined) where.active = query.active;
      const [clients, total] = await orm.em.findAndCount(User, where, {
        orderBy: { createdAt: 'desc', id: 'asc' },
        limit: query.limit,
        offset: query.offset,
      });
      res.json({ items: await presented(clients), total, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/clients/{id}',
    summary: 'Read an API client',
    tag: 'clients',
    access: ['admin'],
    params: uuidParam,
    responses: { 200: { description: 'the API client', schema: clientSchema } },
    handler: async ({ res, params }) => {
      const client = await orm.em.findOne(User, { id: params.id, kind: 'client' });
      if (!client) throw new NotFoundError(`API client ${params.id} does not exist`);
      res.json((await presented([client]))[0]);
    },
  });

  api.add({
    method: 'post',
    path: '/clients/{id}/secret',
    summary:
      'Give an API client a new secret, shown this once: the old one, and every token obtained with it, is refused from now on',
    tag: 'clients',
    access: ['admin'],
    withoutIdempotencyKey: true,
    params: uuidParam,
    responses: { 200: { description: 'the client, with its new secret', schema: clientWithSecretSchema } },
    handler: async ({ req, res, params, caller }) => {
      const { client, secret } = await changeClientSecret(orm.em, caller, params.id);
      callers.forget();
      req.log.info({ userId: client.id }, 'API client secret changed');
      const [shown] = await presented([client]);
      res.json({ ...shown, clientSecret: secret });
    },
  });

  api.add({
    method: 'post',
    path: '/clients/{id}/revoke',
    summary: 'Revoke an API client for good: its tokens are refused at once and it obtains no more',
    tag: 'clients',
    access: ['admin'],
    params: uuidParam,
    responses: { 200: { description: 'the revoked client', schema: clientSchema } },
    handler: async ({ req, res, params, caller }) => {
      const client = await revokeClient(orm.em, caller, params.id);
      callers.forget();
      req.log.info({ userId: client.id }, 'API client revoked');
      res.json((await presented([client]))[0]);
    },
  });
}
