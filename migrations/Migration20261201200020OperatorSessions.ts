import { Migration } from '@mikro-orm/migrations';

export class Migration20261201200020OperatorSessions extends Migration {
  override async up(): Promise<void> {
    // The person at a scanner: a warehouse user asks the API (with their own token) for a short code, and the
    // station sends it; the session that starts then is the only authority for that station's scans. The code
    // is kept as a hash, lives two minutes and is used once; wrong codes at a device are counted on every code
    // waiting there, and void them all after a few.
    this.addSql(`
      create table operator_sessions (
        id uuid primary key,
        device_id uuid not null references devices (id),
        user_id uuid not null references users (id),
        code_hash bytea,
        code_expires_at timestamptz not null,
        wrong_codes int not null default 0,
        lifetime_seconds int not null check (lifetime_seconds > 0),
        started_at timestamptz,
        expires_at timestamptz,
        ended_at timestamptz,
        created_at timestamptz not null default now()
      )`);
    this.addSql(`create index operator_sessions_open_idx on operator_sessions (device_id) where ended_at is null`);
  }
}
