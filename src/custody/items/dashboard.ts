import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from '../../errors';
import { hasRole, seesAllItems, type Caller } from '../directory/caller';
import { alertVisibility, itemVisibility } from './access';
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
async function lastWeeks(em: EntityManager, asOf: string, timeZone: string, count: number) {
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
type Bounds = Awaited<ReturnType<typeof lastWeeks>>['bounds'];

/** The week (1 to the number of weeks) of `column` by the bounds, or 0 (before) or one past the last (after). */
const weekOf = (column: string) => `width_bucket(${column}, ?::timestamptz[])`;

type ItemGroup = {
  state: PhysicalState;
  code: string;
  name: string;
  week: number;
  n: number;
  overdue: number;
  due: number;
};

/**
 * The items the caller may see, counted once: by state, owning agency and the week they were seized in, with
 * the overdue loans and due reviews among them (the conditions of the lists they link to).
 */
function itemGroups(em: EntityManager, caller: Caller, bounds: Bounds) {
  const visibility = itemVisibility(caller);
  return em.execute<ItemGroup[]>(
    `select g.state, a.code, a.name, g.week, g.n, g.overdue, g.due
       from (select i.state, i.owning_agency_id, ${weekOf('i.seized_at')} as week, count(*)::int as n,
                    (count(*) filter (where ${DUE_LISTS.loans_overdue.condition}))::int as overdue,
                    (count(*) filter (where ${DUE_LISTS.reviews_due.condition}))::int as due
               from items i where ${visibility.sql} group by 1, 2, 3) g
       join agencies a on a.id = g.owning_agency_id`,
    [bounds.all, ...visibility.params],
  );
}

/** Check-ins and disposals per week, from the ledger (its movements index alone), of the items the caller may see. */
function movementsByWeek(em: EntityManager, caller: Caller, bounds: Bounds) {
  const visibility = itemVisibility(caller);
  const items = seesAllItems(caller) ? '' : `join items i on i.id = e.item_id and ${visibility.sql}`;
  return em.execute<{ week: number; type: 'check_in' | 'disposed'; n: number }[]>(
    `select ${weekOf('e.occurred_at')} as week, e.type, count(*)::int as n
       from ledger_events e ${items}
      where e.type in ('check_in', 'disposed') and e.occurred_at >= ? and e.occurred_at < ?
      group by 1, 2`,
    [bounds.all, ...visibility.params, bounds.first, bounds.last],
  );
}

/** Every zone with the items placed anywhere below it (in store or in a locker), by code. */
function zoneOccupancy(em: EntityManager) {
  return em.execute<{ code: string; name: string; capacity: number | null; items: number }[]>(
    `with placed as (select i.location_id, count(*)::int as n from items i where i.location_id is not null group by 1),
          by_zone as (select z.id, sum(p.n)::int as n from placed p join locations l on l.id = p.location_id
                        join locations z on z.id = any (string_to_array(trim(both '/' from l.path), '/')::uuid[])
                       where z.kind = 'zone' group by z.id)
     select z.code, z.name, z.capacity, coalesce(b.n, 0) as items
       from locations z left join by_zone b on b.id = z.id where z.kind = 'zone' order by z.code`,
  );
}

/** Open alerts the caller may see, by kind: the ones GET /alerts lists. */
function openAlertsByKind(em: EntityManager, caller: Caller) {
  const visibility = alertVisibility(caller);
  return em.execute<{ kind: string; n: number }[]>(
    `select a.kind, count(*)::int as n from alerts a left join items i on i.id = a.item_id
      where a.status = 'open' and ${visibility.sql} group by 1 order by 2 desc, 1`,
    visibility.params,
  );
}

const ALERT_READERS = ['warehouse', 'approver', 'inspector', 'admin'] as const;

/**
 * The numbers of the dashboard, for what the caller may see: officers, clerks and approvers the items their
 * agency holds or has held; the warehouse, inspectors and administrators the whole centre. Aggregates only:
 * one pass over the items, the ledger's check-ins and disposals since the first week, the placed items
 * by place, the open alerts.
 */
export async function dashboard(
  em: EntityManager,
  caller: Caller,
  { timeZone, weeks: count }: { timeZone: string; weeks: number },
): Promise<Dashboard> {
  const asOf = new Date().toISOString();
  const { weeks, bounds } = await lastWeeks(em, asOf, timeZone, count);
  const centre = seesAllItems(caller);
  const [groups, movements, zones, alerts] = await Promise.all([
    itemGroups(em, caller, bounds),
    movementsByWeek(em, caller, bounds),
    centre ? zoneOccupancy(em) : Promise.resolve([]),
    hasRole(caller, ...ALERT_READERS) ? openAlertsByKind(em, caller) : Promise.resolve(null),
  ]);

  const byState = new Map<PhysicalState, number>(PHYSICAL_STATES.map((state) => [state, 0]));
  const byAgency = new Map<string, { code: string; name: string; count: number }>();
  const registered = new Map<number, number>();
  let [total, overdueLoans, dueReviews] = [0, 0, 0];
  for (const g of groups) {
    total += g.n;
    overdueLoans += g.overdue;
    dueReviews += g.due;
    byState.set(g.state, byState.get(g.state)! + g.n);
    const agency = byAgency.get(g.code) ?? { code: g.code, name: g.name, count: 0 };
    byAgency.set(g.code, { ...agency, count: agency.count + g.n });
    registered.set(g.week, (registered.get(g.week) ?? 0) + g.n);
  }
  const moved = (week: number, type: 'check_in' | 'disposed') =>
    movements.find((m) => m.week === week && m.type === type)?.n ?? 0;

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
      registered: registered.get(i + 1) ?? 0,
      checkedIn: moved(i + 1, 'check_in'),
      disposed: moved(i + 1, 'disposed'),
    })),
    zones,
    overdueLoans,
    dueReviews,
    openAlerts: alerts && {
      total: alerts.reduce((sum, a) => sum + a.n, 0),
      byKind: alerts.map((a) => ({ kind: a.kind, count: a.n })),
    },
  };
}
