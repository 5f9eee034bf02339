import { Migration } from '@mikro-orm/migrations';

export class Migration20261123080000MosquittoHash extends Migration {
  override async up(): Promise<void> {
    // The device password's hash in Mosquitto's own password-file format ($6$: salted SHA-512), so that the
    // server can write a password file for an external Mosquitto at any time.
    this.addSql(`alter table devices add column mosquitto_hash text`);
  }
}
