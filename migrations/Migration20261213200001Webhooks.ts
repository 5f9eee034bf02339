import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks (issue 19): each subscription reads the ledger, and the changes of alerts and requests, from
 * where it last delivered (its cursors), so that the ledger is the outbox: nothing is written twice and
 * nothing is lost between a commit and its delivery. One instance at a time delivers a subscription (its
 * lease); every attempt is kept for the administrators to read.
 */
export class Migration20261213200001Webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table webhook_subscriptions (
        id uuid primary key,
        url text not null,
        event_types text[] not null check (cardinality(event_types) > 0),
        agency_ids uuid[] not null check (cardinality(agency_ids) > 0),
        -- The signing secret, sealed with a key derived from the server's token secret (src/interconnect/sealed.ts).
        sealed_secret text not null,
        -- The last ledger index and change id delivered or passed over: the next message is after them.
        ledger_cursor bigint not null,
        change_cursor bigint not null,
        status text not null default 'active' check (status in ('active', 'paused')),
        paused_reason text,
        -- Failed attempts of the message at the cursors, and when the first of them failed.
        failures integer not null default 0,
        failing_since timestamptz,
        next_attempt_at timestamptz not null default now(),
        lease_owner text,
        lease_until timestamptz,
        created_by uuid not null references users (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(`
      create table webhook_attempts (
        id bigserial primary key,
        subscription_id uuid not null references webhook_subscriptions (id) on delete cascade,
        message_id text not null,
        event_type text not null,
        attempted_at timestamptz not null default now(),
        duration_ms integer not null,
        status integer,
        error text,
        response text
      )`);
    this.addSql(`create index webhook_attempts_subscription_idx on webhook_attempts (subscription_id, id)`);
    this.addSql(`create index webhook_attempts_at_idx on webhook_attempts (attempted_at)`);
  }
}
