import { Migration } from '@mikro-orm/migrations';

export class Migration20261210100001LedgerVerifications extends Migration {
  override async up(): Promise<void> {
    // Every verification the server ran, whoever asked: the last one that passed names the signed
    // checkpoint the next incremental verification starts from (src/custody/ledger/verify/record.ts).
    this.addSql(`
      create table ledger_verifications (
        id bigint generated always as identity primary key,
        trigger text not null check (trigger in ('request', 'daily')),
        requested_by uuid references users (id),
        since bigint check (since >= 0),
        size bigint not null check (size >= 0),
        events_checked bigint not null,
        items_checked integer not null,
        ok boolean not null,
        failure jsonb,
        checkpoint bigint,
        started_at timestamptz not null,
        finished_at timestamptz not null default now(),
        check (ok = (failure is null))
      )`);
    this.addSql(`create index ledger_verifications_passed_idx on ledger_verifications (id) where ok`);
  }
}
