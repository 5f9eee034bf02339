import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { Category } from '../items/item-kinds';

export const LOCATION_KINDS = ['site', 'zone', 'room', 'shelf', 'bin', 'locker', 'compartment'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];
/** What a location provides; some categories may only be stored where their need is met. */
export const LOCATION_FEATURES = ['safe', 'cold', 'armory', 'hazmat'] as const;
export type LocationFeature = (typeof LOCATION_FEATURES)[number];

export const Location = defineEntity({
  name: 'Location',
  tableName: 'locations',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    code: p.string().unique(),
    name: p.string(),
    kind: p.enum([...LOCATION_KINDS]),
    parentId: p.uuid().nullable(),
    path: p.string(),
    reservedAgencyId: p.uuid().nullable(),
    allowedCategories: p.array<Category>().columnType('text[]').nullable(),
    features: p.array<LocationFeature>().columnType('text[]'),
    capacity: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Location = InferEntity<typeof Location>;
