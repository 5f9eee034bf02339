import { Migration } from '@mikro-orm/migrations';

export class Migration20261201100011ItemCorrectors extends Migration {
  override async up(): Promise<void> {
    // Part of the ledger's projection (ItemState.correctors): who requested and who approved the four-eyes
    // corrections of an item since it last moved, none of whom makes its next movement without a witness
    // who is none of them. No event before this names any, so every existing row is right with none.
    this.addSql(`alter table items add column correctors uuid[] not null default '{}'`);
  }
}
