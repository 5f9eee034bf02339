import { Agency } from '../custody/directory/agency.entity';
import { changeAgency, createAgency } from '../custody/directory/directory';
import { presentAgency } from '../custody/items/present';
import { NotFoundError } from '../errors';
import { pageOf, uuidParam } from './common.schemas';
import { agencyChangeBody, agencyListQuery, agencySchema, newAgencyBody } from './directory.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

export function agencyRoutes(api: Api, { orm }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/agencies',
    summary: 'Create an agency',
    tag: 'agencies',
    access: ['admin'],
    body: newAgencyBody,
    responses: { 201: { description: 'created', schema: agencySchema } },
    handler: async ({ res, body, caller }) => {
      const agency = await createAgency(orm.em, caller, body);
      res.status(201).location(`/api/v1/agencies/${agency.id}`).json(presentAgency(agency));
    },
  });

  // Every signed-in user may list agencies: officers pick the receiving agency of a transfer from it.
  api.add({
    method: 'get',
    path: '/agencies',
    summary: 'List agencies',
    tag: 'agencies',
    access: 'authenticated',
    query: agencyListQuery,
    responses: { 200: { description: 'a page of agencies', schema: pageOf(agencySchema) } },
    handler: async ({ res, query }) => {
      const [agencies, total] = await orm.em.findAndCount(Agency, query.kind ? { kind: query.kind } : {}, {
        orderBy: { code: 'asc' },
        limit: query.limit,
        offset: query.offset,
      });
      res.json({ items: agencies.map(presentAgency), total, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/agencies/{id}',
    summary: 'Read an agency',
    tag: 'agencies',
    access: 'authenticated',
    params: uuidParam,
    responses: { 200: { description: 'the agency', schema: agencySchema } },
    handler: async ({ res, params }) => {
      const agency = await orm.em.findOne(Agency, { id: params.id });
      if (!agency) throw new NotFoundError(`agency ${params.id} does not exist`);
      res.json(presentAgency(agency));
    },
  });

  api.add({
    method: 'patch',
    path: '/agencies/{id}',
    summary: 'Rename an agency or correct its kind (its code never changes)',
    tag: 'agencies',
    access: ['admin'],
    params: uuidParam,
    body: agencyChangeBody,
    responses: { 200: { description: 'the agency', schema: agencySchema } },
    handler: async ({ res, params, body, caller }) => {
      res.json(presentAgency(await changeAgency(orm.em, caller, params.id, body)));
    },
  });
}
