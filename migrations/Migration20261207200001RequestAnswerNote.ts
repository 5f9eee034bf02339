import { Migration } from '@mikro-orm/migrations';

export class Migration20261207200001RequestAnswerNote extends Migration {
  override async up(): Promise<void> {
    // The receiving agency's note on a transfer it accepted, or its reason for refusing one: the ledger's
    // events have it; the request keeps it too, so that the requester reads why without reading the history.
    this.addSql(`alter table requests add column answer_note text`);
  }
}
