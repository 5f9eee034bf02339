import { z } from 'zod';
import { dashboard } from '../custody/items/dashboard';
import { PHYSICAL_STATES } from '../custody/items/item-kinds';
import type { AppDeps } from './deps';
import type { Api } from './route';

/** Whether the runtime knows `name` as a time zone (IANA names, e.g. Asia/Shanghai). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const dashboardQuery = z.object({
  timeZone: z
    .string()
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Shanghai')
    .default('UTC')
    .describe('the zone whose Mondays start the weeks; the console sends the browser’s'),
  weeks: z.coerce.number().int().min(1).max(52).default(12).describe('how many weeks, the current one last'),
});
export type DashboardQuery = z.infer<typeof dashboardQuery>;

const count = z.number().int().min(0);

export const dashboardSchema = z.object({
  scope: z
    .enum(['centre', 'agency'])
    .describe('centre: every item the centre holds; agency: the items the caller’s agency holds or has held'),
  asOf: z.iso.datetime(),
  timeZone: z.string(),
  total: count,
  byState: z.array(z.object({ state: z.enum(PHYSICAL_STATES), count })).describe('every state, zeros too'),
  byAgency: z.array(z.object({ code: z.string(), name: z.string(), count })).describe('by owning agency, most first'),
  weeks: z
    .array(
      z.object({
        week: z.string().describe('ISO week, e.g. 2026-W49'),
        from: z.iso.date().describe('its Monday'),
        to: z.iso.date().describe('its Sunday'),
        registered: count.describe('items seized (and registered) in the week'),
        checkedIn: count,
        disposed: count,
      }),
    )
    .describe('oldest first'),
  zones: z
    .array(z.object({ code: z.string(), name: z.string(), capacity: count.nullable(), items: count }))
    .describe('each zone’s items anywhere below it, against its capacity; empty for an agency’s scope'),
  overdueLoans: count,
  dueReviews: count,
  openAlerts: z
    .object({ total: count, byKind: z.array(z.object({ kind: z.string(), count })) })
    .nullable()
    .describe('null for roles that have no alerts to see'),
});

export function dashboardRoutes(api: Api, { orm }: AppDeps): void {
  api.add({
    method: 'get',
    path: '/dashboard',
    summary:
      'The numbers at a glance, of what the caller may see: items by state and agency, intake and disposals per week, zone occupancy, overdue loans, due reviews, open alerts',
    tag: 'dashboard',
    access: 'authenticated',
    query: dashboardQuery,
    responses: { 200: { description: 'the aggregates', schema: dashboardSchema } },
    handler: async ({ res, query, caller }) => {
      res.json(await dashboard(orm.em, caller, query));
    },
  });
}
