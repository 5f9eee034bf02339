import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const AGENCY_KINDS = ['police', 'procuratorate', 'court', 'commission', 'custody_centre'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

export const Agency = defineEntity({
  name: 'Agency',
  tableName: 'agencies',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    code: p.string().unique(),
    name: p.string(),
    kind: p.enum([...AGENCY_KINDS]),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Agency = InferEntity<typeof Agency>;
