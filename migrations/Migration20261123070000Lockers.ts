import { Migration } from '@mikro-orm/migrations';

export class Migration20261123070000Lockers extends Migration {
  override async up(): Promise<void> {
    // Unlock commands for a locker's back door, each valid until it expires: a late command does nothing.
    this.addSql(`
      create table locker_commands (
        id uuid primary key,
        device_id uuid not null references devices (id),
        compartment_id uuid not null references locations (id),
        requested_by uuid not null references users (id),
        expires_at timestamptz not null,
        status text not null default 'sent' check (status in ('sent', 'done', 'failed')),
        result text,
        created_at timestamptz not null default now()
      )`);
    // Alerts about a place or a device rather than one item (a forced door, a warm fridge).
    this.addSql(`alter table alerts add column location_id uuid references locations (id)`);
    this.addSql(`alter table alerts add column device_id uuid references devices (id)`);
    this.addSql(`create index alerts_open_place_idx on alerts (kind, location_id) where status = 'open'`);
  }
}
