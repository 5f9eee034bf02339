import { Migration } from '@mikro-orm/migrations';

/**
 * What the console is told of as it happens (src/live/): alerts, requests changing state, scans and their
 * answers, inventories counting, devices going on- or offline. Each change is a row of `changes`, written by
 * a trigger in the transaction that makes it, so that a change that rolls back is never told and one that
 * commits always is; the row's id is the stream's event id, which a console that lost its connection names to
 * resume. The triggers are deferred to COMMIT, so ids follow the order in which transactions commit, not the
 * order in which they began (a console that resumes after id n is not told of an n - 1 committed after n).
 * `agency_ids` are the agencies whose users may be told; the centre's own roles are told of everything.
 */
export class Migration20261208100001Changes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table changes (
        id bigserial primary key,
        at timestamptz not null default now(),
        topic text not null check (topic in ('alert', 'request', 'scan', 'inventory', 'device')),
        agency_ids uuid[] not null default '{}',
        data jsonb not null
      )`);
    this.addSql(`create index changes_at_idx on changes (at)`);

    this.addSql(`create function custody_change(topic text, agency_ids uuid[], data jsonb) returns void
      language plpgsql as $$
      declare
        change_id bigint;
      begin
        insert into changes (topic, agency_ids, data) values (topic, agency_ids, data) returning id into change_id;
        perform pg_notify('custody_changes', json_build_object(
          'id', change_id, 'topic', topic, 'agencyIds', agency_ids, 'data', data)::text);
      end $$`);

    this.addSql(`create function custody_alert_changed() returns trigger language plpgsql as $$
      declare
        item record;
      begin
        select i.code, i.owning_agency_id into item from items i where i.id = new.item_id;
        perform custody_change('alert', case when item.owning_agency_id is null then '{}' else array[item.owning_agency_id] end,
          jsonb_build_object('id', new.id, 'kind', new.kind, 'status', new.status, 'message', new.message,
            'itemCode', item.code, 'locationId', new.location_id, 'deviceId', new.device_id));
        return null;
      end $$`);
    this.addSql(`create constraint trigger alerts_changed after insert or update of status on alerts
      deferrable initially deferred for each row execute function custody_alert_changed()`);

    this.addSql(`create function custody_request_changed() returns trigger language plpgsql as $$
      begin
        perform custody_change('request', array_remove(array[new.agency_id, new.to_agency_id], null),
          jsonb_build_object('id', new.id, 'kind', new.kind, 'status', new.status));
        return null;
      end $$`);
    this.addSql(`create constraint trigger requests_changed after insert or update of status on requests
      deferrable initially deferred for each row execute function custody_request_changed()`);

    // A scanner's scan and the answer it was given; where the scanner stands tells which station shows it.
    this.addSql(`create function custody_scan_answered() returns trigger language plpgsql as $$
      declare
        device record;
      begin
        select d.code, l.id as location_id, l.code as location_code into device
          from devices d left join locations l on l.id = coalesce(d.scan_location_id, d.location_id)
         where d.id = new.device_id;
        perform custody_change('scan', '{}', jsonb_build_object('deviceId', new.device_id, 'deviceCode', device.code,
          'locationId', device.location_id, 'locationCode', device.location_code, 'status', new.status,
          'reason', new.answer -> 'reason', 'item', new.answer -> 'item', 'event', new.answer -> 'event'));
        return null;
      end $$`);
    this.addSql(`create constraint trigger device_messages_changed after insert on device_messages
      deferrable initially deferred for each row when (new.topic like '%/evt/scan')
      execute function custody_scan_answered()`);

    this.addSql(`create function custody_inventory_changed() returns trigger language plpgsql as $$
      begin
        perform custody_change('inventory', '{}', jsonb_build_object('id', new.audit_id));
        return null;
      end $$`);
    this.addSql(`create constraint trigger audit_scans_changed after insert on audit_scans
      deferrable initially deferred for each row execute function custody_inventory_changed()`);
    this.addSql(`create function custody_inventory_state_changed() returns trigger language plpgsql as $$
      begin
        perform custody_change('inventory', '{}', jsonb_build_object('id', new.id, 'status', new.status));
        return null;
      end $$`);
    this.addSql(`create constraint trigger audits_changed after insert or update of status on audits
      deferrable initially deferred for each row execute function custody_inventory_state_changed()`);

    this.addSql(`create function custody_device_changed() returns trigger language plpgsql as $$
      begin
        perform custody_change('device', '{}', jsonb_build_object('id', new.id, 'code', new.code, 'kind', new.kind,
          'online', new.online, 'active', new.active, 'lastSeenAt', new.last_seen_at));
        return null;
      end $$`);
    this.addSql(`create constraint trigger devices_changed after update of online, active on devices
      deferrable initially deferred for each row
      when (old.online is distinct from new.online or old.active is distinct from new.active)
      execute function custody_device_changed()`);
  }
}
