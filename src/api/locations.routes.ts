import { z } from 'zod';
import { Location } from '../custody/directory/location.entity';
import { changeLocation } from '../custody/directory/location-change';
import { createLocationAs, findLocation } from '../custody/directory/locations';
import { pageOf } from './common.schemas';
import { locationCodeParam, locationListQuery, newLocationBody } from './custody.schemas';
import { agencyCode } from './directory.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const locationSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  kind: z.string(),
  parentId: z.uuid().nullable(),
  reservedAgencyId: z.uuid().nullable(),
  allowedCategories: z.array(z.string()).nullable(),
  features: z.array(z.string()),
  capacity: z.number().int().nullable(),
});

// A rule sent as null is lifted; one left out stays as it is.
const rules = newLocationBody.shape;
const locationChangeBody = z
  .strictObject({
    name: rules.name.optional(),
    reservedForAgencyCode: agencyCode.nullable().optional(),
    allowedCategories: rules.allowedCategories.unwrap().nullable().optional(),
    features: rules.features,
    capacity: rules.capacity.unwrap().nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field');

const presentLocation = (l: Location) => ({
  id: l.id,
  code: l.code,
  name: l.name,
  kind: l.kind,
  parentId: l.parentId ?? null,
  reservedAgencyId: l.reservedAgencyId ?? null,
  allowedCategories: l.allowedCategories ?? null,
  features: l.features,
  capacity: l.capacity ?? null,
});

export function locationRoutes(api: Api, { orm }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/locations',
    summary: 'Create a location (site, zone, room, shelf, bin, locker, compartment) with its rules',
    tag: 'locations',
    access: ['admin'],
    body: newLocationBody,
    responses: { 201: { description: 'created', schema: locationSchema } },
    handler: async ({ res, body, caller }) => {
      const location = await createLocationAs(orm.em, caller, body);
      res.status(201).location(`/api/v1/locations/${location.code}`).json(presentLocation(location));
    },
  });

  api.add({
    method: 'get',
    path: '/locations',
    summary: 'List locations, optionally a subtree',
    tag: 'locations',
    access: 'authenticated',
    query: locationListQuery,
    responses: { 200: { description: 'a page of locations', schema: pageOf(locationSchema) } },
    handler: async ({ res, query }) => {
      const under = query.under ? await findLocation(orm.em, query.under) : null;
      const [locations, total] = await orm.em.findAndCount(
        Location,
        { ...(under ? { path: { $like: `${under.path}%` } } : {}), ...(query.kind ? { kind: query.kind } : {}) },
        { orderBy: { path: 'asc' }, limit: query.limit, offset: query.offset },
      );
      res.json({ items: locations.map(presentLocation), total, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/locations/{code}',
    summary: 'Read a location with the number of items in it',
    tag: 'locations',
    access: 'authenticated',
    params: locationCodeParam,
    responses: { 200: { description: 'the location', schema: locationSchema.extend({ itemCount: z.number().int() }) } },
    handler: async ({ res, params }) => {
      const location = await findLocation(orm.em, params.code);
      const [row] = await orm.em.execute<{ n: string }[]>(
        `select count(*) as n from items where location_id = ? and state in ('stored', 'in_locker')`,
        [location.id],
      );
      res.json({ ...presentLocation(location), itemCount: Number(row!.n) });
    },
  });

  api.add({
    method: 'patch',
    path: '/locations/{code}',
    summary:
      'Rename a location or change its rules (reserved agency, categories, features, capacity; null lifts one); refused while what is kept there would break them',
    tag: 'locations',
    access: ['admin'],
    params: locationCodeParam,
    body: locationChangeBody,
    responses: { 200: { description: 'the location', schema: locationSchema } },
    handler: async ({ res, params, body, caller }) => {
      res.json(presentLocation(await changeLocation(orm.em, caller, params.code, body)));
    },
  });
}
