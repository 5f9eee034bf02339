import { Migration } from '@mikro-orm/migrations';

export class Migration20261202100001SignatureAttachments extends Migration {
  override async up(): Promise<void> {
    // A signature drawn at the counter is stored like any attachment of each item it signed for; it is no
    // photograph, so it never stands in for the one valuables need before check-in.
    this.addSql(`alter table attachments drop constraint attachments_kind_check`);
    this.addSql(
      `alter table attachments add constraint attachments_kind_check check (kind in ('photo', 'document', 'signature'))`,
    );
  }
}
