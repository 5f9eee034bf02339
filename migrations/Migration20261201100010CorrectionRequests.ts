import { Migration } from '@mikro-orm/migrations';

export class Migration20261201100010CorrectionRequests extends Migration {
  override async up(): Promise<void> {
    // A correction of a particular that a rule reads (category, seal, count, weight, declared value) is a
    // request: it names the event it corrects and the new values, and is carried out when approved.
    this.addSql(`alter table requests drop constraint requests_kind_check`);
    this.addSql(
      `alter table requests add constraint requests_kind_check check (kind in ('loan', 'transfer', 'disposal', 'correction'))`,
    );
    this.addSql(`alter table requests add column corrects_idx bigint, add column changes jsonb`);
    this.addSql(`alter table requests add constraint requests_correction_check
      check (kind <> 'correction' or (corrects_idx is not null and changes is not null))`);
  }
}
