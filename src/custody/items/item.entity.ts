import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const CATEGORIES = [
  'cash',
  'drugs',
  'firearm',
  'weapon',
  'valuables',
  'electronics',
  'vehicle',
  'document',
  'biological',
  'hazardous',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const PHYSICAL_STATES = ['registered', 'received', 'in_locker', 'stored', 'on_loan', 'disposed'] as const;
export type PhysicalState = (typeof PHYSICAL_STATES)[number];

/**
 * The items row: the ledger's projection of one item, written only by the ledger's append (see projection.ts).
 * Numbers and times are kept as the strings the ledger records, so a replay compares exactly.
 */
export const Item = defineEntity({
  name: 'Item',
  tableName: 'items',
  properties: (p) => ({
    id: p.uuid().primary(),
    code: p.string().unique(),
    caseId: p.uuid(),
    itemNo: p.integer(),
    category: p.enum([...CATEGORIES]),
    description: p.text(),
    quantity: p.decimal('string'),
    unit: p.string(),
    weightGrams: p.decimal('string').nullable(),
    amount: p.decimal('string').nullable(),
    currency: p.string().nullable(),
    serialNumber: p.string().nullable(),
    sealNumber: p.string().nullable(),
    seizedAt: p.datetime(),
    seizedFrom: p.string().nullable(),
    seizedPlace: p.string().nullable(),
    seizedBy: p.uuid(),
    reviewDate: p.string().columnType('date'),
    legalHold: p.boolean(),
    holdReason: p.string().nullable(),
    state: p.enum([...PHYSICAL_STATES]),
    owningAgencyId: p.uuid(),
    heldByAgencyIds: p.array().columnType('uuid[]'),
    locationId: p.uuid().nullable(),
    holderUserId: p.uuid().nullable(),
    holderName: p.string().nullable(),
    loanRequestId: p.uuid().nullable(),
    loanDueAt: p.datetime().nullable(),
    disposalMethod: p.string().nullable(),
    correctors: p.array().columnType('uuid[]').default('{}'),
    labelPrints: p.integer().default(0),
    lastSeq: p.integer(),
    lastHash: p.blob(),
    lastEventAt: p.datetime(),
  }),
});
export type Item = InferEntity<typeof Item>;
