import { Migration } from '@mikro-orm/migrations';

export class Migration20261123040000ReportAccess extends Migration {
  override async up(): Promise<void> {
    // Who printed or exported which report, when: so that an inspector can see who looked. Append-only.
    this.addSql(`
      create table report_access (
        id uuid primary key,
        kind text not null,
        format text not null,
        item_id uuid references items (id),
        case_id uuid references cases (id),
        subject_id uuid,
        user_id uuid not null references users (id),
        accessed_at timestamptz not null default now()
      )`);
    this.addSql(`create index report_access_item_idx on report_access (item_id, accessed_at)`);
    this.addSql(`create trigger report_access_append_only before update or delete on report_access
                   for each row execute function custody_ledger_refuse()`);
    this.addSql(`create trigger report_access_no_truncate before truncate on report_access
                   for each statement execute function custody_ledger_refuse()`);
    this.addSql(`alter table report_access enable always trigger report_access_append_only`);
    this.addSql(`alter table report_access enable always trigger report_access_no_truncate`);
  }
}
