import { Migration } from '@mikro-orm/migrations';

/**
 * Systems that call the API with credentials of their own (issue 19): users of kind `client`, so that every
 * role, agency and actor rule, and every event's actor, holds for them as for people. A client signs in only
 * by the OAuth client-credentials grant, and a person never by it.
 */
export class Migration20261213100001ApiClients extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table users add column kind text not null default 'person' check (kind in ('person', 'client'))`,
    );
  }
}
