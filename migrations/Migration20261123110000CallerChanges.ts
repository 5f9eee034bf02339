import { Migration } from '@mikro-orm/migrations';

export class Migration20261123110000CallerChanges extends Migration {
  override async up(): Promise<void> {
    // API instances keep the callers they authenticate (CallerCache) only while told of every change to
    // what a caller is made of: a user's row (roles, active, agency) and an agency's (code, kind). The
    // notification goes out at COMMIT, and not at all if the change rolls back.
    this.addSql(`create function custody_callers_changed() returns trigger language plpgsql as $$
      begin
        perform pg_notify('custody_callers', '');
        return null;
      end $$`);
    this.addSql(`create trigger users_callers_changed after insert or update or delete or truncate on users
      for each statement execute function custody_callers_changed()`);
    this.addSql(`create trigger agencies_callers_changed after update or delete or truncate on agencies
      for each statement execute function custody_callers_changed()`);
  }
}
