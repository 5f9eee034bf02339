import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const Case = defineEntity({
  name: 'Case',
  tableName: 'cases',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    agencyId: p.uuid(),
    caseNumber: p.string(),
    title: p.string(),
    openedOn: p.string().columnType('date'),
    status: p.enum(['open', 'closed']).default('open'),
    nextItemNo: p.integer().default(1),
    createdBy: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Case = InferEntity<typeof Case>;
