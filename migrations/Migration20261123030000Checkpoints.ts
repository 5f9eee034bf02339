import { Migration } from '@mikro-orm/migrations';

export class Migration20261123030000Checkpoints extends Migration {
  override async up(): Promise<void> {
    // Signed checkpoints (C2SP tlog-checkpoint as signed notes); also appended to a file outside the database.
    this.addSql(`
      create table checkpoints (
        size bigint primary key check (size > 0),
        root bytea not null check (length(root) = 32),
        note text not null,
        created_at timestamptz not null default now()
      )`);
    this.addSql(`
      create table cosignatures (
        checkpoint_size bigint not null references checkpoints (size),
        witness_name text not null,
        key_id bytea not null,
        line text not null,
        signed_at timestamptz not null,
        received_at timestamptz not null default now(),
        primary key (checkpoint_size, witness_name, key_id)
      )`);
    for (const table of ['checkpoints', 'cosignatures']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on ${table}
                     for each row execute function custody_ledger_refuse()`);
      this.addSql(`create trigger ${table}_no_truncate before truncate on ${table}
                     for each statement execute function custody_ledger_refuse()`);
      this.addSql(`alter table ${table} enable always trigger ${table}_append_only`);
      this.addSql(`alter table ${table} enable always trigger ${table}_no_truncate`);
    }
    // Roots of complete 256-leaf tiles of the Merkle tree, so that proofs cost O(n/256) reads, not O(n).
    // A cache: a wrong row only makes proofs fail to verify, it cannot make a false one pass.
    this.addSql(`
      create table merkle_tiles (
        tile bigint primary key check (tile >= 0),
        root bytea not null check (length(root) = 32)
      )`);
  }
}
