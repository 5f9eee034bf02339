import { z } from 'zod';
import { PHYSICAL_STATES } from '../custody/items/item-kinds';
import { listLockers } from '../devices/locker-overview';
import { pageOf, pageQuery } from './common.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const time = z.iso.datetime();
const lockerAlert = z.object({ id: z.uuid(), kind: z.string(), message: z.string(), createdAt: time });
const door = z.object({ state: z.enum(['open', 'closed']), reportedAt: time }).nullable();

export const compartmentSchema = z.object({
  code: z.string(),
  name: z.string(),
  /** The items whose current location is this compartment. */
  items: z.array(z.object({ code: z.string(), description: z.string(), state: z.enum(PHYSICAL_STATES) })),
  frontDoor: door,
  backDoor: door,
  occupancy: z.object({ occupied: z.boolean(), reportedAt: time }).nullable(),
  reading: z
    .object({ temperature: z.number().nullable(), humidity: z.number().nullable(), reportedAt: time })
    .nullable(),
  /** The range (°C) a reading must stay within, when the compartment is in a cold place. */
  coldRange: z.object({ min: z.number(), max: z.number() }).nullable(),
  temperatureOutOfRange: z.boolean(),
  /** The latest of the times the locker gave its reports of this compartment. */
  reportedAt: time.nullable(),
  alerts: z.array(lockerAlert),
});

export const lockerSchema = z.object({
  deviceId: z.uuid(),
  code: z.string(),
  online: z.boolean(),
  lastSeenAt: time.nullable(),
  location: z.object({ code: z.string(), name: z.string() }).nullable(),
  /** Open alerts about the locker itself (silent, tampered with), not one of its compartments. */
  alerts: z.array(lockerAlert),
  compartments: z.array(compartmentSchema),
});
export type LockerSchema = z.infer<typeof lockerSchema>;

const ROLES = ['warehouse', 'inspector', 'admin'] as const;

/** What the lockers last reported, for the console; unlocking is POST /lockers/{deviceId}/compartments/{c}/unlock. */
export function lockerRoutes(api: Api, { orm }: AppDeps): void {
  api.add({
    method: 'get',
    path: '/lockers',
    summary:
      'Active lockers: online, last heard, open alerts, and each compartment with its items and its last reported doors, occupancy and temperature',
    tag: 'devices',
    access: ROLES,
    query: pageQuery,
    responses: { 200: { description: 'a page of lockers, by code', schema: pageOf(lockerSchema) } },
    handler: async ({ res, query, caller }) => {
      const { lockers, total } = await listLockers(orm.em, caller, query);
      res.json({ items: lockers, total, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/lockers/{deviceId}',
    summary: 'One active locker, as in GET /lockers',
    tag: 'devices',
    access: ROLES,
    params: z.object({ deviceId: z.uuid('must be a UUID') }),
    responses: { 200: { description: 'the locker', schema: lockerSchema } },
    handler: async ({ res, params, caller }) => {
      const { lockers } = await listLockers(orm.em, caller, { limit: 1, offset: 0, deviceId: params.deviceId });
      res.json(lockers[0]);
    },
  });
}
