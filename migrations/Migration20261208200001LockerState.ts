import { Migration } from '@mikro-orm/migrations';

export class Migration20261208200001LockerState extends Migration {
  override async up(): Promise<void> {
    // What each compartment of a locker last reported: its doors, its occupancy sensor, its reading. Each part
    // keeps the time the locker gave it, so a message buffered and sent late never replaces a newer report.
    this.addSql(`
      create table locker_compartment_states (
        compartment_id uuid primary key references locations (id),
        device_id uuid not null references devices (id),
        front_door text check (front_door in ('open', 'closed')),
        front_door_at timestamptz,
        back_door text check (back_door in ('open', 'closed')),
        back_door_at timestamptz,
        occupied boolean,
        occupied_at timestamptz,
        temperature double precision,
        humidity double precision,
        reading_at timestamptz,
        updated_at timestamptz not null default now(),
        check ((front_door is null) = (front_door_at is null)),
        check ((back_door is null) = (back_door_at is null)),
        check ((occupied is null) = (occupied_at is null))
      )`);
    this.addSql(`create index locker_compartment_states_device_idx on locker_compartment_states (device_id)`);
    // The console lists a locker's open alerts, by its device and by the places (compartments) they concern,
    // among open alerts that may be many (reviews due).
    this.addSql(`create index alerts_open_device_idx on alerts (device_id) where status = 'open'`);
    this.addSql(`create index alerts_open_location_idx on alerts (location_id) where status = 'open'`);
  }
}
