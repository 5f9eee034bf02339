import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

import { DISPOSAL_METHODS, LOAN_PURPOSES, REQUEST_KINDS, REQUEST_STATUSES } from './request-kinds';

export { DISPOSAL_METHODS, LOAN_PURPOSES, REQUEST_KINDS, REQUEST_STATUSES };
export type { RequestKind, RequestStatus } from './request-kinds';

/**
 * A loan, transfer, disposal or correction request: requested → approved | rejected → carried out |
 * cancelled (or refused). A correction is carried out by its approval, in the same step.
 */
export const CustodyRequest = defineEntity({
  name: 'CustodyRequest',
  tableName: 'requests',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    kind: p.enum([...REQUEST_KINDS]),
    status: p.enum([...REQUEST_STATUSES]),
    agencyId: p.uuid(),
    requesterId: p.uuid(),
    reason: p.text(),
    decidedBy: p.uuid().nullable(),
    decidedAt: p.datetime().nullable(),
    decisionNote: p.text().nullable(),
    borrower: p.string().nullable(),
    purpose: p.enum([...LOAN_PURPOSES]).nullable(),
    dueAt: p.datetime().nullable(),
    toAgencyId: p.uuid().nullable(),
    answeredBy: p.uuid().nullable(),
    answeredAt: p.datetime().nullable(),
    answerNote: p.text().nullable(),
    method: p.enum([...DISPOSAL_METHODS]).nullable(),
    orderReference: p.string().nullable(),
    /** A correction's: the global index of the event it corrects, and the new values. */
    correctsIdx: p.bigint('number').nullable(),
    changes: p.json<Record<string, string | null>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});
export type CustodyRequest = InferEntity<typeof CustodyRequest>;

export const RequestItem = defineEntity({
  name: 'RequestItem',
  tableName: 'request_items',
  properties: (p) => ({
    requestId: p.uuid().primary(),
    itemId: p.uuid().primary(),
    carriedOutAt: p.datetime().nullable(),
  }),
});
export type RequestItem = InferEntity<typeof RequestItem>;
