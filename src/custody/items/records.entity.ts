import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** One hand-over batch (交接单): who handed which items to whom. */
export const Handover = defineEntity({
  name: 'Handover',
  tableName: 'handovers',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    fromUserId: p.uuid(),
    toUserId: p.uuid(),
    itemIds: p.array().columnType('uuid[]'),
    note: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Handover = InferEntity<typeof Handover>;

export const Alert = defineEntity({
  name: 'Alert',
  tableName: 'alerts',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    kind: p.string(),
    itemId: p.uuid().nullable(),
    locationId: p.uuid().nullable(),
    deviceId: p.uuid().nullable(),
    message: p.text(),
    status: p.enum(['open', 'resolved']).default('open'),
    eventIdx: p.bigint('number').nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    resolvedAt: p.datetime().nullable(),
    resolvedBy: p.uuid().nullable(),
    resolutionNote: p.text().nullable(),
  }),
});
export type Alert = InferEntity<typeof Alert>;

/**
 * A photograph, a document scan, or a signature given at a hand-over; the file lives outside the database,
 * its SHA-256 in the ledger.
 */
export const Attachment = defineEntity({
  name: 'Attachment',
  tableName: 'attachments',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    itemId: p.uuid(),
    kind: p.enum(['photo', 'document', 'signature']),
    contentType: p.string(),
    sizeBytes: p.bigint('number'),
    sha256: p.blob(),
    filename: p.string().nullable(),
    uploadedBy: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Attachment = InferEntity<typeof Attachment>;
