import { Migration } from '@mikro-orm/migrations';

export class Migration20261207100001UserLanguage extends Migration {
  override async up(): Promise<void> {
    // The console's language a user chose last (null: not yet), so that it follows them to any browser.
    this.addSql(`alter table users add column language text check (language in ('zh', 'en'))`);
  }
}
