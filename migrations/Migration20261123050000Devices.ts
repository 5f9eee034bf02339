import { Migration } from '@mikro-orm/migrations';

export class Migration20261123050000Devices extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table devices (
        id uuid primary key,
        code text not null unique check (code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
        kind text not null check (kind in ('scanner', 'locker')),
        location_id uuid references locations (id),
        mode text check (mode in ('check_in', 'check_out', 'audit')),
        -- The location label a scanner read last: item scans that follow are checked in there.
        scan_location_id uuid references locations (id),
        -- Only a hash of the MQTT password: it is shown once, when made or rotated.
        password_hash bytea not null check (length(password_hash) = 32),
        active boolean not null default true,
        online boolean not null default false,
        last_seen_at timestamptz,
        created_at timestamptz not null default now()
      )`);
    // Every device message, once: a redelivered message (same device, same message id) gets the stored
    // answer and changes nothing. Written in the same transaction as the custody event it caused.
    this.addSql(`
      create table device_messages (
        device_id uuid not null references devices (id),
        message_id text not null,
        topic text not null,
        status text not null check (status in ('committed', 'rejected')),
        answer jsonb not null,
        received_at timestamptz not null default now(),
        primary key (device_id, message_id)
      )`);
  }
}
