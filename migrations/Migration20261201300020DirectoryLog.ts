import { Migration } from '@mikro-orm/migrations';

export class Migration20261201300020DirectoryLog extends Migration {
  override async up(): Promise<void> {
    // Every change to users, roles, agencies, locations and devices, as canonical JSON entries chained by
    // their SHA-256 leaf hashes (each names the previous one's) and leaves of one RFC 6962 tree, written in
    // the transaction of the change. Verified as the ledger is; append-only as the ledger is.
    this.addSql(`
      create table directory_log (
        seq bigint primary key check (seq > 0),
        entry text not null,
        leaf_hash bytea not null check (length(leaf_hash) = 32),
        subject_id uuid not null,
        recorded_at timestamptz not null default now()
      )`);
    this.addSql(`create index directory_log_subject_idx on directory_log (subject_id, seq)`);
    // One row, locked by each append: the size, the last leaf hash and the tree's frontier and root.
    this.addSql(`
      create table directory_log_head (
        id boolean primary key default true check (id),
        size bigint not null check (size >= 0),
        last_hash bytea not null check (length(last_hash) in (0, 32)),
        frontier bytea not null check (length(frontier) % 32 = 0),
        root bytea not null check (length(root) = 32),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(`insert into directory_log_head (size, last_hash, frontier, root) values (0, '', '', sha256(''))`);
    this.addSql(`create trigger directory_log_append_only before update or delete on directory_log
                   for each row execute function custody_ledger_refuse()`);
    this.addSql(`create trigger directory_log_no_truncate before truncate on directory_log
                   for each statement execute function custody_ledger_refuse()`);
    this.addSql(`create trigger directory_log_head_no_delete before delete on directory_log_head
                   for each row execute function custody_ledger_refuse()`);
    this.addSql(`create trigger directory_log_head_no_truncate before truncate on directory_log_head
                   for each statement execute function custody_ledger_refuse()`);
    this.addSql(`create trigger directory_log_head_forward_only before update on directory_log_head
                   for each row execute function custody_ledger_head_forward()`);
    for (const [table, trigger] of [
      ['directory_log', 'directory_log_append_only'],
      ['directory_log', 'directory_log_no_truncate'],
      ['directory_log_head', 'directory_log_head_no_delete'],
      ['directory_log_head', 'directory_log_head_no_truncate'],
      ['directory_log_head', 'directory_log_head_forward_only'],
    ]) {
      this.addSql(`alter table ${table} enable always trigger ${trigger}`);
    }
  }
}
