import { Migration } from '@mikro-orm/migrations';

export class Migration20261123100000IdempotencyOutcome extends Migration {
  override async up(): Promise<void> {
    // Set in the transaction of the command itself: a key whose answer was lost (the server stopped between
    // the commit and the answer) is known to have been carried out, and one without it is known not to have been.
    this.addSql(`alter table idempotency_keys add column carried_out boolean not null default false`);
  }
}
