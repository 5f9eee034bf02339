import { Migration } from '@mikro-orm/migrations';

export class Migration20261201400002ServerRole extends Migration {
  override async up(): Promise<void> {
    // The server's role may only read the ledger's events and head (src/database-role.ts): the append runs as
    // the owner, with a fixed search path so that no object of the caller's can stand in for a table.
    this.addSql(`alter function custody_ledger_append(jsonb) security definer set search_path = public, pg_temp`);
  }
}
