import { Migration } from '@mikro-orm/migrations';

export class Migration20261201400001IdempotencySecrets extends Migration {
  override async up(): Promise<void> {
    // Keys stored until now may hold a device's password in their answer, or a plain SHA-256 over a body with a
    // second person's password in it: none is kept. A retry that spans the upgrade runs as a new request (the
    // state machine refuses what would repeat a move).
    this.addSql(`delete from idempotency_keys`);
    // Keys are kept a day; the purge finds the old ones by this index.
    this.addSql(`create index idempotency_keys_created_idx on idempotency_keys (created_at)`);
  }
}
