import type { Sql } from '../src/custody/sql';

/**
 * The dashboard's count tables and the items' places (migrations …200001DashboardCounts and …200002ItemPlaces)
 * as their triggers keep them, and as the items, alerts and ledger rows give them counted whole, with the
 * dashboard's visibility rules: the two must always be equal.
 */
const quarter = (column: string) => `date_bin('15 minutes', ${column}, timestamptz '2000-01-03 00:00:00+00')`;
const viewers = `cross join unnest(array[null::uuid] || i.held_by_agency_ids) v (viewer)`;
const under = `join locations l on l.id = i.location_id join locations z on l.path like z.path || '%'`;

/** Each table as it is kept, and as the rows give it counted whole (with the dashboard's visibility rules). */
const TABLES: [string, string, string][] = [
  [
    'item_counts',
    'select viewer, state, owning_agency_id, n from item_counts where n <> 0',
    `select v.viewer, i.state, i.owning_agency_id, count(*)::int as n from items i ${viewers} group by 1, 2, 3`,
  ],
  [
    'item_review_counts',
    'select viewer, review_date, n from item_review_counts where n <> 0',
    `select v.viewer, i.review_date, count(*)::int as n from items i ${viewers}
      where i.state <> 'disposed' group by 1, 2`,
  ],
  [
    'item_time_counts',
    'select viewer, slot, what, n from item_time_counts where n <> 0',
    `select v.viewer, ${quarter('i.seized_at')} as slot, 'seized' as what, count(*)::int as n
       from items i ${viewers} group by 1, 2
     union all
     select v.viewer, ${quarter('e.occurred_at')}, e.type, count(*)::int
       from ledger_events e join items i on i.id = e.item_id ${viewers}
      where e.type in ('check_in', 'disposed') group by 1, 2, 3`,
  ],
  [
    'item_place_counts',
    'select place_id, n from item_place_counts where n <> 0',
    `select z.id as place_id, count(*)::int as n from items i ${under} group by 1`,
  ],
  [
    'item_places',
    'select place_id, last_event_at, item_id from item_places',
    `select z.id as place_id, i.last_event_at, i.id as item_id from items i ${under}`,
  ],
  [
    'alert_counts',
    'select owning_agency_id, kind, n from alert_counts where n <> 0',
    `select i.owning_agency_id, a.kind, count(*)::int as n from alerts a left join items i on i.id = a.item_id
      where a.status = 'open' group by 1, 2`,
  ],
];

/** Every count table's rows, in one order, as kept (`kept`) or as counted whole (`counted`). */
export async function countTables(em: Sql, which: 'kept' | 'counted'): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {};
  for (const [table, kept, counted] of TABLES) {
    const rows = await em.execute<Record<string, unknown>[]>(which === 'kept' ? kept : counted);
    tables[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return tables;
}
