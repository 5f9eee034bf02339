import { Migration } from '@mikro-orm/migrations';

export class Migration20261123060000Audits extends Migration {
  override async up(): Promise<void> {
    // An inventory of a location subtree: the items expected there are fixed when it starts (all, or a
    // random sample), scans record what was seen where, closing compares the two.
    this.addSql(`
      create table audits (
        id uuid primary key,
        location_id uuid not null references locations (id),
        kind text not null check (kind in ('full', 'sample')),
        confidence numeric,
        margin numeric,
        expected_item_ids uuid[] not null,
        status text not null default 'open' check (status in ('open', 'closed')),
        started_by uuid not null references users (id),
        started_at timestamptz not null default now(),
        closed_by uuid references users (id),
        closed_at timestamptz,
        result jsonb
      )`);
    this.addSql(`
      create table audit_scans (
        audit_id uuid not null references audits (id),
        code text not null,
        item_id uuid references items (id),
        location_id uuid references locations (id),
        scanned_by uuid not null references users (id),
        device_id uuid references devices (id),
        scanned_at timestamptz not null default now(),
        primary key (audit_id, code)
      )`);
  }
}
