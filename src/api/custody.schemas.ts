import { z } from 'zod';
import { CATEGORIES, PHYSICAL_STATES } from '../custody/items/item-kinds';
import { parseItemCode } from '../custody/items/item-code';
import { LOCATION_FEATURES, LOCATION_KINDS } from '../custody/directory/location.entity';
import type { Correctable } from '../custody/items/projection';
import { DISPOSAL_METHODS, LOAN_PURPOSES, REQUEST_KINDS, REQUEST_STATUSES } from '../custody/items/request.entity';
import { EVENT_TYPES } from '../custody/ledger/events';
import { AppError } from '../errors';
import { pageQuery } from './common.schemas';
import { agencyCode } from './directory.schemas';

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => text(max).optional();

/** An item code as people type it, checked (check character) and normalized. */
export const itemCode = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    try {
      return parseItemCode(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof AppError ? err.message : 'is not an item code' });
      return z.NEVER;
    }
  });
export const itemCodeParam = z.object({ code: itemCode });

const decimalText = z.string().regex(/^\d{1,15}(\.\d{1,6})?$/, 'must be a non-negative decimal number');

/**
 * A non-negative decimal, as a number or a string, normalized to the ledger's string form ("2.50" → "2.5").
 * A number goes through the string's rule as JavaScript writes it, so that 1e-7 or 0.1 + 0.2 (written with
 * an exponent, or with more places than the ledger keeps) is refused rather than stored other than sent.
 */
export const decimal = z
  .union([z.number().nonnegative().transform(String).pipe(decimalText), decimalText])
  .transform((value) => {
    const [whole, fraction = ''] = value.split('.');
    const trimmed = fraction.replace(/0+$/, '');
    return `${BigInt(whole!)}${trimmed ? `.${trimmed}` : ''}`;
  });
const positiveDecimal = decimal.refine((v) => Number(v) > 0, 'must be greater than zero');

/**
 * A point in time with an offset, normalized to UTC with milliseconds, as the ledger records times. Only
 * years 1 to 9999 in UTC: an offset can carry a written 9999-12-31 into year 10000, which JavaScript writes
 * "+010000-…" and PostgreSQL refuses (and year 0 it reads as 1 BC), so the row could not hold what the
 * ledger says.
 */
export const instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .refine((utc) => /^(?!0000)\d{4}-/.test(utc), 'must fall in the years 1 to 9999 in UTC');

export const locationCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9._-]{0,39}$/, 'must be 1-40 upper-case letters, digits, . _ or -');

export const newLocationBody = z.strictObject({
  code: locationCode,
  name: text(200),
  kind: z.enum(LOCATION_KINDS),
  parentCode: locationCode.optional(),
  reservedForAgencyCode: agencyCode.optional(),
  allowedCategories: z.array(z.enum(CATEGORIES)).min(1).optional(),
  features: z.array(z.enum(LOCATION_FEATURES)).optional(),
  capacity: z.number().int().positive().max(1_000_000).optional(),
});
export const locationListQuery = pageQuery.extend({
  under: locationCode.optional(),
  kind: z.enum(LOCATION_KINDS).optional(),
});
export const locationCodeParam = z.object({ code: locationCode });

export const newCaseBody = z.strictObject({ caseNumber: text(100), title: text(500), openedOn: z.iso.date() });
export const caseListQuery = pageQuery.extend({ q: optionalText(100), status: z.enum(['open', 'closed']).optional() });

export const newItemBody = z.strictObject({
  category: z.enum(CATEGORIES),
  description: text(2000),
  quantity: positiveDecimal,
  unit: text(20),
  weightGrams: decimal.optional(),
  amount: decimal.optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY')
    .optional(),
  serialNumber: optionalText(100),
  sealNumber: optionalText(100),
  seizedAt: instant,
  seizedFrom: optionalText(200),
  seizedPlace: optionalText(500),
});
export const registerItemsBody = z.strictObject({ items: z.array(newItemBody).min(1).max(500) });

const SORTS = ['code', 'itemNo', 'lastEventAt', 'reviewDate', 'loanDueAt', 'category', 'state'] as const;
export const itemListQuery = pageQuery.extend({
  caseId: z.uuid().optional(),
  state: z.enum(PHYSICAL_STATES).optional(),
  category: z.enum(CATEGORIES).optional(),
  location: locationCode.optional(),
  agency: agencyCode.optional(),
  q: optionalText(100),
  caseNumber: optionalText(100).describe('items of the cases whose number contains this'),
  seizedFrom: z.iso.datetime({ offset: true }).optional().describe('seized at or after this instant'),
  seizedTo: z.iso.datetime({ offset: true }).optional().describe('seized before this instant'),
  reviewDue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('true: only the items due for their disposal review (review date today or earlier), not disposed'),
  sort: z.enum(SORTS).default('lastEventAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

/** Another person's confirmation: their own username and password, checked like a sign-in. */
export const credentials = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(200),
});

/** Largest signature accepted, as a PNG file: a pad's drawing is a few tens of kilobytes. */
export const MAX_SIGNATURE_BYTES = 256 * 1024;

/**
 * A signature drawn on a pad: a PNG, in base64 or as a `data:image/png;base64,` URL (what a canvas gives).
 * Decoded here; that the bytes are a PNG that decodes is the hand-over command's check.
 */
const signaturePng = z
  .string()
  .max(Math.ceil(MAX_SIGNATURE_BYTES / 3) * 4 + 40, `must be a PNG of at most ${MAX_SIGNATURE_BYTES / 1024} KiB`)
  .regex(/^(data:image\/png;base64,)?[A-Za-z0-9+/]+={0,2}$/, 'must be a PNG in base64, or a data:image/png;base64, URL')
  .transform((value) => Buffer.from(value.replace(/^data:image\/png;base64,/, ''), 'base64'))
  .refine((data) => data.length <= MAX_SIGNATURE_BYTES, `must be a PNG of at most ${MAX_SIGNATURE_BYTES / 1024} KiB`);

export const handoverBody = z.strictObject({
  itemCodes: z.array(itemCode).min(1).max(500),
  handedOverBy: credentials,
  note: optionalText(1000),
  /** Both people may sign; each signature is stored as an attachment, its SHA-256 in every item's event. */
  signatures: z.strictObject({ handedOverBy: signaturePng.optional(), receivedBy: signaturePng.optional() }).optional(),
});
export const checkInBody = z.strictObject({ locationCode, witness: credentials.optional(), note: optionalText(1000) });
export const moveBody = z.strictObject({ locationCode, witness: credentials.optional(), note: optionalText(1000) });
export const lockerDepositBody = z.strictObject({ compartmentCode: locationCode });
export const checkOutBody = z.strictObject({
  requestId: z.uuid(),
  condition: text(1000),
  witness: credentials.optional(),
});
export const returnBody = z.strictObject({
  locationCode,
  condition: text(1000),
  sealNumber: optionalText(100),
  quantity: positiveDecimal.optional(),
  weightGrams: decimal.optional(),
  witness: credentials.optional(),
  note: optionalText(1000),
});
export const disposeBody = z.strictObject({
  requestId: z.uuid(),
  witness: credentials.optional(),
  recipient: optionalText(200),
  note: optionalText(1000),
});
export const reasonBody = z.strictObject({ reason: text(1000) });
/**
 * A correction's new values pass the schemas of registration, so that the event records each value as the
 * items row will hold it (normalized: a time in UTC, "2.50" as "2.5") and the replay gives that row. An
 * optional particular may be cleared with null; a required one may not.
 */
const registered = newItemBody.shape;
export const correctionChanges = z.strictObject({
  category: registered.category.optional(),
  description: registered.description.optional(),
  quantity: registered.quantity.optional(),
  unit: registered.unit.optional(),
  weightGrams: registered.weightGrams.unwrap().nullable().optional(),
  amount: registered.amount.unwrap().nullable().optional(),
  currency: registered.currency.unwrap().nullable().optional(),
  serialNumber: registered.serialNumber.unwrap().nullable().optional(),
  sealNumber: registered.sealNumber.unwrap().nullable().optional(),
  seizedAt: registered.seizedAt.optional(),
  seizedFrom: registered.seizedFrom.unwrap().nullable().optional(),
  seizedPlace: registered.seizedPlace.unwrap().nullable().optional(),
} satisfies Record<Correctable, z.ZodType>);
export type CorrectionChanges = z.infer<typeof correctionChanges>;

export const correctionBody = z.strictObject({
  correctsIndex: z.number().int().nonnegative(),
  changes: correctionChanges.refine((changes) => Object.keys(changes).length > 0, 'must change at least one field'),
  note: text(1000),
});
export const reviewDateBody = z.strictObject({ reviewDate: z.iso.date(), reason: text(1000) });
export const attachmentQuery = z.object({ filename: optionalText(200) });

const requestBase = { itemCodes: z.array(itemCode).min(1).max(500), reason: text(1000) };
export const newRequestBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('loan'),
    ...requestBase,
    borrower: text(200),
    purpose: z.enum(LOAN_PURPOSES),
    dueAt: instant,
  }),
  z.strictObject({ kind: z.literal('transfer'), ...requestBase, toAgencyCode: agencyCode }),
  z.strictObject({
    kind: z.literal('disposal'),
    ...requestBase,
    method: z.enum(DISPOSAL_METHODS),
    orderReference: text(200),
  }),
]);
export const requestListQuery = pageQuery.extend({
  kind: z.enum(REQUEST_KINDS).optional(),
  status: z.enum(REQUEST_STATUSES).optional(),
});
export const decisionBody = z.strictObject({ note: optionalText(1000) });
export const requiredNoteBody = z.strictObject({ note: text(1000) });

export const alertListQuery = pageQuery.extend({
  status: z.enum(['open', 'resolved']).default('open'),
  kind: optionalText(50),
});

// Response shapes, for the OpenAPI document.
export const eventSchema = z.object({
  index: z.number().int(),
  itemSeq: z.number().int(),
  type: z.enum(EVENT_TYPES),
  leafHash: z.string(),
  prevItemHash: z.string().nullable(),
  envelope: z.record(z.string(), z.unknown()),
  canonical: z.string(),
  actorName: z.string().nullable(),
});
export const itemSchema = z.object({
  code: z.string(),
  displayCode: z.string(),
  state: z.enum(PHYSICAL_STATES),
  category: z.enum(CATEGORIES),
  description: z.string(),
  caseId: z.uuid(),
  caseNumber: z.string(),
  itemNo: z.number().int(),
  owningAgencyCode: z.string(),
  locationCode: z.string().nullable(),
  allowedCommands: z.array(z.string()),
});
/** One item read on its own: with what only its own page shows. */
export const itemDetailSchema = itemSchema.extend({
  photos: z
    .array(z.object({ id: z.uuid(), filename: z.string().nullable() }))
    .describe('its photographs, oldest first: each downloads from /items/{code}/attachments/{id}'),
});
