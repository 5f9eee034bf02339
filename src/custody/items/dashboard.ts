import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from '../../errors';
import { hasRole, seesAllItems, type Caller } from '../directory/caller';
import { itemVisibility } from './access';
import { DUE_LISTS } from './item-queries';
import { PHYSICAL_STATES, type PhysicalState } from './item-kinds';
import { arrayLiteral } from '../sql';

export interface DashboardWeek {
  /** ISO week, e.g. 2026-W49. */
  week: string;
  /** Its Monday and Sunday, in the asked time zone. */
  from: string;
  to: string;
  /** Items seized (and so registered: registration records the seizure) in the week. */
  registered: number;
  checkedIn: number;
  disposed: number;
}

export interface Dashboard {
  /** `centre`: every item the centre holds; `agency`: the items the caller's agency holds or has held. */
  scope: 'centre' | 'agency';
  asOf: string;
  timeZone: string;
  total: number;
  byState: { state: PhysicalState; count: number }[];
  byAgency: { code: string; name: string; count: number }[];
  weeks: DashboardWeek[];
  /** Each zone's items (anywhere below it) against its capacity; the centre's figure, so empty for an agency. */
  zones: { code: string; name: string; capacity: number | null; items: number }[];
  overdueLoans: number;
  dueReviews: number;
  /** Null for those who have no alerts to see (officers and clerks). */
  openAlerts: { total: number; byKind: { kind: string; count: number }[] } | null;
}

/** PostgreSQL's answer to a time zone it does not know (invalid_parameter_value). */
const UNKNOWN_TIME_ZONE = '22023';

/**
 * The last `count` ISO weeks up to the one `asOf` falls in, in `timeZone`, and the instants that bound them
 * (each Monday's midnight there, and the next one's after the last): rows are counted into weeks by those
 * bounds (width_bucket: week k holds what falls from bound k to bound k + 1), not by converting every row's
 * time. Refuses a zone PostgreSQL does not know.
 */
export async function lastWeeks(em: EntityManager, asOf: string, timeZone: string, count: number) {
  let rows: { week: string; from: string; to: string; starts: Date }[];
  try {
    rows = await em.execute(
      `select to_char(w, 'IYYY-"W"IW') as week, to_char(w, 'YYYY-MM-DD') as "from",
              to_char(w + interval '6 days', 'YYYY-MM-DD') as "to", w at time zone ? as starts
         from generate_series(date_trunc('week', ?::timestamptz at time zone ?) - (? - 1) * interval '1 week',
                              date_trunc('week', ?::timestamptz at time zone ?) + interval '1 week', interval '1 week') w
        order by w`,
      [timeZone, asOf, timeZone, count, asOf, timeZone],
    );
  } catch (err) {
    if ((err as { code?: string }).code === UNKNOWN_TIME_ZONE) {
      const detail = `time zone ${timeZone} is not known to the database`;
      throw new ValidationError(`query timeZone: ${detail}`, [{ in: 'query', field: 'timeZone', detail }]);
    }
    throw err;
  }
  const bounds = rows.map((r) => new Date(r.starts).toISOString());
  return { weeks: rows.slice(0, -1), bounds: { all: arrayLiteral(bounds), first: bounds[0]!, last: bounds.at(-1)! } };
}
export type Bounds = Awaited<ReturnType<typeof lastWeeks>>['bounds'];

/** The week (1 to the number of weeks) of `column` by the bounds, or 0 (before) or one past the last (after). */
const weekOf = (column: string) => `width_bucket(${column}, ?::timestamptz[])`;

export interface DashboardQuery {
  sql: string;
  params: unknown[];
}

/**
 * The queries of the dashboard, for what the caller may see. The items are counted by the triggers of
 * Migration20261211200001DashboardCounts, as each transaction changes them: a figure reads its counts (a
 * row per key), never the items, whose number it must not depend on. Only the overdue loans are read from
 * the items, through the index of those on loan. tests/scale.test.ts checks their plans.
 */
export function dashboardQueries(caller: Caller, bounds: Bounds) {
  const centre = seesAllItems(caller);
  // The centre's counts are those of viewer null; an agency's, those of the items it holds or has held.
  const viewer = (alias: string) =>
    centre ? { sql: `${alias}.viewer is null`, params: [] } : { sql: `${alias}.viewer = ?`, params: [caller.agencyId] };
  const byState = viewer('c');
  const byTime = viewer('t');
  const byReview = viewer('r');
  const visibility = itemVisibility(caller);
  // As alertVisibility: an agency's open alerts are those about the items it owns now.
  const alerts = centre ? { sql: 'true', params: [] } : { sql: 'c.owning_agency_id = ?', params: [caller.agencyId] };
  return {
    byState: {
      sql: `select c.state, a.code, a.name, c.n from item_counts c join agencies a on a.id = c.owning_agency_id
             where ${byState.sql} and c.n > 0`,
      params: byState.params,
    },
    // Items seized in each week, and the ledger's check-ins and disposals, by the quarter hour they fell in.
    weeks: {
      sql: `select ${weekOf('t.slot')} as week, t.what, sum(t.n)::int as n from item_time_counts t
             where ${byTime.sql} and t.slot >= ? and t.slot < ? group by 1, 2`,
      params: [bounds.all, ...byTime.params, bounds.first, bounds.last],
    },
    dueReviews: {
      sql: `select coalesce(sum(r.n), 0)::int as n from item_review_counts r
             where ${byReview.sql} and r.review_date <= current_date`,
      params: byReview.params,
    },
    overdueLoans: {
      sql: `select count(*)::int as n from items i where ${DUE_LISTS.loans_overdue.condition} and ${visibility.sql}`,
      params: visibility.params,
    },
    // Every zone with the items placed anywhere below it (in store or in a locker), by code.
    zones: {
      sql: `select z.code, z.name, z.capacity, coalesce(p.n, 0) as items
              from locations z left join item_place_counts p on p.place_id = z.id where z.kind = 'zone' order by z.code`,
      params: [],
    },
    // Open alerts the caller may see, by kind: the ones GET /alerts lists, counted by their item's owning agency.
    openAlerts: {
      sql: `select c.kind, sum(c.n)::int as n from alert_counts c
             where ${alerts.sql}
             group by 1 having sum(c.n) > 0 order by 2 desc, 1`,
      params: alerts.params,
    },
  } satisfies Record<string, DashboardQuery>;
}

const ALERT_READERS = ['warehouse', 'approver', 'inspector', 'admin'] as const;

/**
 * The numbers of the dashboard, for what the caller may see: officers, clerks and approvers the items their
 * agency holds or has held; the warehouse, inspectors and administrators the whole centre. Read from the
 * counts (dashboardQueries), so their cost does not grow with the centre.
 */
export async function dashboard(
  em: EntityManager,
  caller: Caller,
  { timeZone, weeks: count }: { timeZone: string; weeks: number },
): Promise<Dashboard> {
  const asOf = new Date().toISOString();
  const { weeks, bounds } = await lastWeeks(em, asOf, timeZone, count);
  const centre = seesAllItems(caller);
  const queries = dashboardQueries(caller, bounds);
  const run = <R>({ sql, params }: DashboardQuery) => em.execute<R[]>(sql, params);
  const [groups, times, [due], [overdue], zones, alerts] = await Promise.all([
    run<{ state: PhysicalState; code: string; name: string; n: number }>(queries.byState),
    run<{ week: number; what: 'seized' | 'check_in' | 'disposed'; n: number }>(queries.weeks),
    run<{ n: number }>(queries.dueReviews),
    run<{ n: number }>(queries.overdueLoans),
    centre ? run<Dashboard['zones'][number]>(queries.zones) : Promise.resolve([]),
    hasRole(caller, ...ALERT_READERS) ? run<{ kind: string; n: number }>(queries.openAlerts) : Promise.resolve(null),
  ]);

  const byState = new Map<PhysicalState, number>(PHYSICAL_STATES.map((state) => [state, 0]));
  const byAgency = new Map<string, { code: string; name: string; count: number }>();
  let total = 0;
  for (const g of groups) {
    total += g.n;
    byState.set(g.state, byState.get(g.state)! + g.n);
    const agency = byAgency.get(g.code) ?? { code: g.code, name: g.name, count: 0 };
    byAgency.set(g.code, { ...agency, count: agency.count + g.n });
  }
  const inWeek = (week: number, what: 'seized' | 'check_in' | 'disposed') =>
    times.find((t) => t.week === week && t.what === what)?.n ?? 0;

  return {
    scope: centre ? 'centre' : 'agency',
    asOf,
    timeZone,
    total,
    byState: [...byState].map(([state, n]) => ({ state, count: n })),
    byAgency: [...byAgency.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    weeks: weeks.map(({ week, from, to }, i) => ({
      week,
      from,
      to,
      registered: inWeek(i + 1, 'seized'),
      checkedIn: inWeek(i + 1, 'check_in'),
      disposed: inWeek(i + 1, 'disposed'),
    })),
    zones,
    overdueLoans: overdue?.n ?? 0,
    dueReviews: due?.n ?? 0,
    openAlerts: alerts && {
      total: alerts.reduce((sum, a) => sum + a.n, 0),
      byKind: alerts.map((a) => ({ kind: a.kind, count: a.n })),
    },
  };
}
