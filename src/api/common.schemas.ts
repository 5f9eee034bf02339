import { z } from 'zod';
import { TOTAL_BOUND } from '../custody/items/item-queries';

export const uuidParam = z.object({ id: z.uuid('must be a UUID') });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type PageQuery = z.infer<typeof pageQuery>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

/** A page of a list whose total is counted only so far, so that it costs the same in a centre of any size. */
export const boundedPageOf = <T extends z.ZodType>(item: T) =>
  pageOf(item).extend({
    total: z.number().int().describe(`how many items match, or ${TOTAL_BOUND} when more do and totalExact is false`),
    totalExact: z
      .boolean()
      .describe(
        `false when more than ${TOTAL_BOUND} items match: total is then ${TOTAL_BOUND}, to be read as "${TOTAL_BOUND}+"`,
      ),
  });

/** Documents the problem+json body of error responses. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  requestId: z.string(),
  errors: z
    .array(z.object({ in: z.enum(['body', 'query', 'path', 'header']), field: z.string(), detail: z.string() }))
    .optional(),
});
