import { Migration } from '@mikro-orm/migrations';

/**
 * The dashboard's numbers kept as counts (issue 18): at a million items, grouping every items row took
 * seconds. Each count is changed in the transaction that changes the items rows it counts, by triggers on
 * items and alerts, so it is exact whenever a transaction commits. `viewer` is null for the centre's count
 * (the warehouse, inspectors and administrators see every item) and an agency's id for the items that agency
 * holds or has held (`held_by_agency_ids`), as the dashboard shows each.
 *
 * The items rows change only in the ledger's append, in the statement that then locks the ledger's head
 * (custody_ledger_append); AFTER triggers run at the end of that statement, so the counts are changed while
 * the head is held and their rows add no wait that the head did not impose already.
 *
 * The triggers are ENABLE ALWAYS, as the ledger's guards are: a centre loaded by COPY with
 * session_replication_role = replica (bench/scale/generate.ts) is counted as it is loaded.
 */

const QUARTER = (column: string) => `date_bin('15 minutes', ${column}, timestamptz '2000-01-03 00:00:00+00')`;
const ANCESTORS = (path: string) => `string_to_array(trim(both '/' from ${path}), '/')::uuid[]`;

const upsert = (table: string, key: string[], rows: string) =>
  `insert into ${table} as t (${key.join(', ')}, n) ${rows}
     on conflict (${key.join(', ')}) do update set n = t.n + excluded.n`;
/** Rows of `from` (with a `d` of +1 or -1) summed by `key`, in key order (so that rows are locked in one order). */
const summed = (key: string[], from: string) => {
  const positions = key.map((_, i) => i + 1).join(', ');
  return `select ${key.join(', ')}, sum(d)::int from ${from} group by ${positions} having sum(d) <> 0 order by ${positions}`;
};

const FIGURES = ['state', 'owning_agency_id', 'held_by_agency_ids', 'seized_at', 'review_date'];

/**
 * A PL/pgSQL block that changes the counts by what changed from `removed` (the items rows as they were) to
 * `added` (as they are): the transition tables in the trigger, the whole table in a recount. It first judges,
 * from the changed rows alone, which counts they touch, and changes only those: most events change no more
 * than an item's sequence, hash and time.
 */
function countChanges(added: string, removed: string): string {
  const pairs = `${added} a full join ${removed} r using (id)`;
  const differs = (columns: string[]) =>
    `a.id is null or r.id is null or (${columns.map((c) => `a.${c}`).join(', ')}) is distinct from (${columns.map((c) => `r.${c}`).join(', ')})`;
  const of = (row: string) => FIGURES.map((c) => `${row}.${c}`).join(', ');
  const relocated = `coalesce(a.location_id, r.location_id) is not null and (${differs(['location_id'])})`;
  const rehomed = `a.id is not null and r.id is not null and a.owning_agency_id is distinct from r.owning_agency_id`;

  // Each changed row counted as it is now, and taken back as it was, once for the centre (viewer null) and
  // once for each agency that holds or has held the item.
  const counts = `with changed as (
      select 1 as d, ${of('a')} from ${pairs} where a.id is not null and (${differs(FIGURES)})
      union all
      select -1, ${of('r')} from ${pairs} where r.id is not null and (${differs(FIGURES)})),
    viewed as (select c.*, v.viewer from changed c cross join unnest(array[null::uuid] || c.held_by_agency_ids) v (viewer)),
    by_state as (${upsert('item_counts', ['viewer', 'state', 'owning_agency_id'], summed(['viewer', 'state', 'owning_agency_id'], 'viewed'))}),
    by_review as (${upsert('item_review_counts', ['viewer', 'review_date'], summed(['viewer', 'review_date'], `viewed where state <> 'disposed'`))}),
    -- The check-ins and disposals each viewer comes to see: those this statement appended to an item it saw
    -- (after the row's previous last_seq), and all of an item's when it gains the item (a new item, or a
    -- transfer that makes its agency a holder). Both events change the state (received to stored, to
    -- disposed), so an item whose state and holders are unchanged gained neither.
    windows as (
      select a.id, v.viewer, 1 as d, a.last_seq as upto,
             case when r.id is not null and (v.viewer is null or v.viewer = any (r.held_by_agency_ids))
                  then r.last_seq else 0 end as after
        from ${pairs} cross join unnest(array[null::uuid] || a.held_by_agency_ids) v (viewer)
       where a.id is not null and (${differs(['state', 'held_by_agency_ids'])})
      union all
      select r.id, v.viewer, -1, r.last_seq, 0
        from ${pairs} cross join unnest(array[null::uuid] || r.held_by_agency_ids) v (viewer)
       where r.id is not null and (a.id is null or not (v.viewer is null or v.viewer = any (a.held_by_agency_ids)))),
    timed as (
      select viewer, ${QUARTER('seized_at')} as slot, 'seized' as what, d from viewed
      union all
      select w.viewer, ${QUARTER('e.occurred_at')}, e.type, w.d
        from windows w join ledger_events e on e.item_id = w.id and e.item_seq > w.after and e.item_seq <= w.upto
       where e.type in ('check_in', 'disposed'))
    ${upsert('item_time_counts', ['viewer', 'slot', 'what'], summed(['viewer', 'slot', 'what'], 'timed'))}`;

  // Each place counts the items anywhere below it (a location's path is set when it is made, for good).
  const places = `with located as (
      select 1 as d, a.location_id from ${pairs} where a.location_id is not null and (${relocated})
      union all
      select -1, r.location_id from ${pairs} where r.location_id is not null and (${relocated})),
    under as (
      select p.place_id, m.d from located m join locations l on l.id = m.location_id
       cross join unnest(${ANCESTORS('l.path')}) p (place_id))
    ${upsert('item_place_counts', ['place_id'], summed(['place_id'], 'under'))}`;

  // An item's open alerts go with its legal custody: an approver counts those of the items its agency owns.
  const alerts = `with handed as (
      select a.owning_agency_id as owner, al.kind, 1 as d
        from ${pairs} join alerts al on al.item_id = a.id and al.status = 'open' where ${rehomed}
      union all
      select r.owning_agency_id, al.kind, -1
        from ${pairs} join alerts al on al.item_id = a.id and al.status = 'open' where ${rehomed})
    ${upsert('alert_counts', ['owning_agency_id', 'kind'], summed(['owner', 'kind'], 'handed'))}`;

  return `select coalesce(bool_or(${differs(FIGURES)}), false), coalesce(bool_or(${relocated}), false),
           coalesce(bool_or(${rehomed}), false)
      into figures, relocated, rehomed from ${pairs};
    if figures then ${counts}; end if;
    if relocated then ${places}; end if;
    if rehomed then ${alerts}; end if`;
}

/**
 * Open alerts by their item's owning agency (null for alerts about no item, or a place or device): read with
 * the item locked FOR SHARE, so that a transfer committing meanwhile either sees this alert (and moves it) or
 * has committed before its owner is read here.
 */
function countAlertChanges(added: string, removed: string): string {
  return `with changed as (
      select x.kind, x.item_id, 1 as d from ${added} x where x.status = 'open'
      union all
      select x.kind, x.item_id, -1 from ${removed} x where x.status = 'open'),
    owners as (
      select i.id, i.owning_agency_id from items i where i.id in (select item_id from changed) order by i.id for share)
    insert into alert_counts as t (owning_agency_id, kind, n)
    select o.owning_agency_id, c.kind, sum(c.d)::int from changed c left join owners o on o.id = c.item_id
     group by 1, 2 having sum(c.d) <> 0 order by 1, 2
        on conflict (owning_agency_id, kind) do update set n = t.n + excluded.n`;
}

const FLAGS = 'figures boolean; relocated boolean; rehomed boolean;';

export class Migration20261211200001DashboardCounts extends Migration {
  override async up(): Promise<void> {
    // Rows whose count comes back to zero are kept: a key seen once is likely to be seen again.
    this.addSql(`create table item_counts (
      viewer uuid, state text not null, owning_agency_id uuid not null, n integer not null,
      unique nulls not distinct (viewer, state, owning_agency_id))`);
    // Seizures, check-ins and disposals by the quarter hour they fell in: a week starts at a Monday's
    // midnight in some time zone, and every zone's offset is a whole number of quarter hours.
    this.addSql(`create table item_time_counts (
      viewer uuid, slot timestamptz not null, what text not null check (what in ('seized', 'check_in', 'disposed')),
      n integer not null, unique nulls not distinct (viewer, slot, what))`);
    // Items not disposed of, by review date: those due are the ones dated today or earlier.
    this.addSql(`create table item_review_counts (
      viewer uuid, review_date date not null, n integer not null, unique nulls not distinct (viewer, review_date))`);
    this.addSql(`create table item_place_counts (place_id uuid primary key, n integer not null)`);
    this.addSql(`create table alert_counts (
      owning_agency_id uuid, kind text not null, n integer not null, unique nulls not distinct (owning_agency_id, kind))`);
    // The overdue loans are among the items out on loan, read from this index alone.
    this.addSql(
      `create index items_on_loan_idx on items (loan_due_at) include (held_by_agency_ids) where state = 'on_loan'`,
    );
    // The open alerts of an item whose owning agency changes, to count them under the new one.
    this.addSql(`create index alerts_open_item_idx on alerts (item_id) where status = 'open'`);

    const none = `(select * from items limit 0)`;
    this.addSql(`create function custody_count_items() returns trigger language plpgsql as $$
      declare ${FLAGS}
      begin
        if tg_op = 'INSERT' then
          -- An upsert that inserted nothing (a command on existing items) fires this too.
          if not exists (select from added) then
            return null;
          end if;
          ${countChanges('added', none)};
        elsif tg_op = 'UPDATE' then
          ${countChanges('added', 'removed')};
        else
          ${countChanges(none, 'removed')};
        end if;
        return null;
      end $$`);
    const noAlerts = `(select * from alerts limit 0)`;
    this.addSql(`create function custody_count_alerts() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then ${countAlertChanges('added', noAlerts)};
        elsif tg_op = 'UPDATE' then ${countAlertChanges('added', 'removed')};
        else ${countAlertChanges(noAlerts, 'removed')};
        end if;
        return null;
      end $$`);
    for (const [table, fn] of [
      ['items', 'custody_count_items'],
      ['alerts', 'custody_count_alerts'],
    ] as const) {
      this.addSql(`create trigger ${table}_counted_insert after insert on ${table}
        referencing new table as added for each statement execute function ${fn}()`);
      this.addSql(`create trigger ${table}_counted_update after update on ${table}
        referencing old table as removed new table as added for each statement execute function ${fn}()`);
      this.addSql(`create trigger ${table}_counted_delete after delete on ${table}
        referencing old table as removed for each statement execute function ${fn}()`);
      for (const op of ['insert', 'update', 'delete']) {
        this.addSql(`alter table ${table} enable always trigger ${table}_counted_${op}`);
      }
    }

    // Counts everything again from the rows: the backfill, and for whoever loads items or alerts with the
    // triggers disabled (pg_restore --disable-triggers restores the counts with the rows and needs none).
    this.addSql(`create function custody_recount() returns void language plpgsql as $$
      declare ${FLAGS}
      begin
        truncate item_counts, item_time_counts, item_review_counts, item_place_counts, alert_counts;
        ${countChanges('items', none)};
        insert into alert_counts (owning_agency_id, kind, n)
        select i.owning_agency_id, a.kind, count(*) from alerts a left join items i on i.id = a.item_id
         where a.status = 'open' group by 1, 2;
      end $$`);
    this.addSql(`select custody_recount()`);
    // Counted whole, so that the planner knows their sizes at once.
    this.addSql(`analyze item_counts, item_time_counts, item_review_counts, item_place_counts, alert_counts`);
  }
}
