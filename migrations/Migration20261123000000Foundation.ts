import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000000Foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table agencies (
        id uuid primary key,
        code text not null unique check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
        name text not null check (length(name) between 1 and 200),
        kind text not null check (kind in ('police', 'procuratorate', 'court', 'commission', 'custody_centre')),
        created_at timestamptz not null default now()
      )`);
    this.addSql(`
      create table users (
        id uuid primary key,
        username text not null unique check (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
        display_name text not null check (length(display_name) between 1 and 200),
        agency_id uuid not null references agencies (id),
        roles text[] not null check (
          cardinality(roles) > 0
          and roles <@ array['officer', 'clerk', 'warehouse', 'approver', 'inspector', 'admin']::text[]),
        active boolean not null default true,
        password_hash text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(`create index users_agency_idx on users (agency_id)`);
    // Failed sign-ins, counted per username and per address to slow down and then refuse guessing.
    // Kept in the database so that every API instance sees the same counts.
    this.addSql(`
      create table login_failures (
        id bigint generated always as identity primary key,
        username text not null,
        address text not null,
        at timestamptz not null default now()
      )`);
    this.addSql(`create index login_failures_username_idx on login_failures (username, at)`);
    this.addSql(`create index login_failures_address_idx on login_failures (address, at)`);
  }
}
