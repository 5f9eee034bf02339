import { Migration } from '@mikro-orm/migrations';

export class Migration20261207200002AlertResolutionNote extends Migration {
  override async up(): Promise<void> {
    // What the person who dealt with an alert says they did: an acknowledgement without it records nothing.
    this.addSql(`alter table alerts add column resolution_note text`);
  }
}
