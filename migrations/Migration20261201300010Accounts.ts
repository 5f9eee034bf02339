import { Migration } from '@mikro-orm/migrations';

export class Migration20261201300010Accounts extends Migration {
  override async up(): Promise<void> {
    // token_version: every token carries the version it was issued under, and one issued under an older
    // version is refused, so that "sign out everywhere" and a new password end every token at once.
    // must_change_password: set when an administrator chose the password, cleared when the user changes it.
    this.addSql(`alter table users
      add column token_version integer not null default 0 check (token_version >= 0),
      add column must_change_password boolean not null default false`);
    // Tokens signed out one by one, until they would have expired anyway (then they are refused as expired).
    this.addSql(`
      create table revoked_tokens (
        token_id uuid primary key,
        user_id uuid not null references users (id),
        expires_at timestamptz not null,
        revoked_at timestamptz not null default now()
      )`);
    this.addSql(`create index revoked_tokens_user_idx on revoked_tokens (user_id, expires_at)`);
    // A signed-out token is part of what a kept caller is made of: API instances forget theirs on it.
    this
      .addSql(`create trigger revoked_tokens_callers_changed after insert or update or delete or truncate on revoked_tokens
      for each statement execute function custody_callers_changed()`);
  }
}
