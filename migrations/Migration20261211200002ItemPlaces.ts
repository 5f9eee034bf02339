import { Migration } from '@mikro-orm/migrations';

const ANCESTORS = (path: string) => `string_to_array(trim(both '/' from ${path}), '/')::uuid[]`;

/**
 * Each placed item under every place it is in (its own and those above it), in the item search's default
 * order (issue 18). The items rows hold only their own place, so the search of a place and everything below
 * it sorted the whole subtree before its first page; here the subtree is one key of an index in that order,
 * and the page stops at its limit. A location's path is set when it is made, for good.
 */
export class Migration20261211200002ItemPlaces extends Migration {
  override async up(): Promise<void> {
    // One index, in the search's order, which also finds an item's rows to rewrite: by its places and its
    // last event's time as the items row held them (a second index, by item, made the table half as large
    // again and each event's rewrite slower).
    this.addSql(`create table item_places (
      place_id uuid not null, last_event_at timestamptz not null, item_id uuid not null,
      constraint item_places_order_idx primary key (place_id, last_event_at, item_id))`);

    // Rewritten as the item's row is, before it is written: only the transaction that holds the item's row
    // changes its places, so none waits on another here, and this happens before the ledger's head is locked
    // (custody_ledger_append), outside the append's serialized part.
    const places = (location: string) => `(select ${ANCESTORS('l.path')} from locations l where l.id = ${location})`;
    const held = `place_id = any (was) and last_event_at = old.last_event_at and item_id = old.id`;
    this.addSql(`create function custody_place_item() returns trigger language plpgsql as $$
      declare
        was uuid[] := ${places('old.location_id')};
      begin
        if new.location_id is not distinct from old.location_id then
          update item_places set last_event_at = new.last_event_at where ${held};
        else
          delete from item_places where ${held};
          insert into item_places (place_id, last_event_at, item_id)
          select p.place, new.last_event_at, new.id from unnest(${places('new.location_id')}) p (place);
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger items_placed before update on items for each row
      when (old.location_id is distinct from new.location_id or old.last_event_at is distinct from new.last_event_at)
      execute function custody_place_item()`);
    // New items, a statement's at once (a registration has no place yet; a centre loaded by COPY has).
    const placeNew = (from: string) => `insert into item_places (place_id, last_event_at, item_id)
      select p.place, a.last_event_at, a.id from ${from} a join locations l on l.id = a.location_id
       cross join unnest(${ANCESTORS('l.path')}) p (place)`;
    this.addSql(`create function custody_place_new_items() returns trigger language plpgsql as $$
      begin
        ${placeNew('added')};
        return null;
      end $$`);
    this.addSql(`create trigger items_placed_insert after insert on items
      referencing new table as added for each statement execute function custody_place_new_items()`);
    this.addSql(`create function custody_unplace_items() returns trigger language plpgsql as $$
      begin
        delete from item_places t using removed r join locations l on l.id = r.location_id
         where t.place_id = any (${ANCESTORS('l.path')}) and t.last_event_at = r.last_event_at and t.item_id = r.id;
        return null;
      end $$`);
    this.addSql(`create trigger items_placed_delete after delete on items
      referencing old table as removed for each statement execute function custody_unplace_items()`);
    // ENABLE ALWAYS, as the ledger's guards are: a centre loaded by COPY with session_replication_role =
    // replica (bench/scale/generate.ts) is placed as it is loaded.
    for (const trigger of ['items_placed', 'items_placed_insert', 'items_placed_delete']) {
      this.addSql(`alter table items enable always trigger ${trigger}`);
    }

    this.addSql(placeNew('items'));
    this.addSql(`analyze item_places`);
  }
}
