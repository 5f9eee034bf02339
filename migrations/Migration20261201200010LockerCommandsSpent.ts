import { Migration } from '@mikro-orm/migrations';

export class Migration20261201200010LockerCommandsSpent extends Migration {
  override async up(): Promise<void> {
    // An unlock command is spent by the first door message that names it, whether it opened the door in time
    // or came too late: any later use is a replay.
    this.addSql(`alter table locker_commands drop constraint locker_commands_status_check`);
    this.addSql(
      `alter table locker_commands add constraint locker_commands_status_check check (status in ('sent', 'done', 'expired', 'failed'))`,
    );
    this.addSql(`alter table locker_commands add column spent_at timestamptz`);
  }
}
