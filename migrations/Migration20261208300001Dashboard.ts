import { Migration } from '@mikro-orm/migrations';

export class Migration20261208300001Dashboard extends Migration {
  override async up(): Promise<void> {
    // The dashboard counts check-ins and disposals per week: without this, each count read the whole ledger.
    // Partial (those two types only) and covering (item_id, to keep an agency's own), it is read alone.
    this.addSql(`create index ledger_events_movements_idx on ledger_events (occurred_at, type) include (item_id)
                   where type in ('check_in', 'disposed')`);
  }
}
