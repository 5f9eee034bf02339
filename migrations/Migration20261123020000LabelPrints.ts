import { Migration } from '@mikro-orm/migrations';

export class Migration20261123020000LabelPrints extends Migration {
  override async up(): Promise<void> {
    // How many times the item's label has been printed: a reprint is how a swapped item goes unnoticed,
    // so every print is a ledger event and a reprint needs a reason.
    this.addSql(`alter table items add column label_prints integer not null default 0 check (label_prints >= 0)`);
  }
}
