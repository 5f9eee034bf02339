import { Migration } from '@mikro-orm/migrations';

const CATEGORIES = `'cash', 'drugs', 'firearm', 'weapon', 'valuables', 'electronics', 'vehicle', 'document', 'biological', 'hazardous', 'other'`;
const STATES = `'registered', 'received', 'in_locker', 'stored', 'on_loan', 'disposed'`;

export class Migration20261123010000CustodyCore extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table locations (
        id uuid primary key,
        code text not null unique check (code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
        name text not null check (length(name) between 1 and 200),
        kind text not null check (kind in ('site', 'zone', 'room', 'shelf', 'bin', 'locker', 'compartment')),
        parent_id uuid references locations (id),
        -- '/<root id>/…/<own id>/': a subtree is every path with this prefix.
        path text not null unique,
        reserved_agency_id uuid references agencies (id),
        allowed_categories text[] check (allowed_categories <@ array[${CATEGORIES}]::text[]),
        features text[] not null default '{}' check (features <@ array['safe', 'cold', 'armory', 'hazmat']::text[]),
        capacity integer check (capacity > 0),
        created_at timestamptz not null default now()
      )`);
    this.addSql(`create index locations_path_idx on locations (path text_pattern_ops)`);

    this.addSql(`
      create table cases (
        id uuid primary key,
        agency_id uuid not null references agencies (id),
        case_number text not null check (length(case_number) between 1 and 100),
        title text not null check (length(title) between 1 and 500),
        opened_on date not null,
        status text not null default 'open' check (status in ('open', 'closed')),
        next_item_no integer not null default 1,
        created_by uuid not null references users (id),
        created_at timestamptz not null default now(),
        unique (agency_id, case_number)
      )`);

    // The current state of each item: a projection of the ledger, updated in the same transaction as each
    // append. Replaying the ledger reproduces every row.
    this.addSql(`
      create table items (
        id uuid primary key,
        code text not null unique,
        case_id uuid not null references cases (id),
        item_no integer not null,
        category text not null check (category in (${CATEGORIES})),
        description text not null,
        quantity numeric not null check (quantity > 0),
        unit text not null,
        weight_grams numeric check (weight_grams >= 0),
        amount numeric check (amount >= 0),
        currency text,
        serial_number text,
        seal_number text,
        seized_at timestamptz not null,
        seized_from text,
        seized_place text,
        seized_by uuid not null references users (id),
        review_date date not null,
        legal_hold boolean not null,
        hold_reason text,
        state text not null check (state in (${STATES})),
        owning_agency_id uuid not null references agencies (id),
        held_by_agency_ids uuid[] not null,
        location_id uuid references locations (id),
        holder_user_id uuid references users (id),
        holder_name text,
        loan_request_id uuid,
        loan_due_at timestamptz,
        disposal_method text,
        last_seq integer not null,
        last_hash bytea not null,
        last_event_at timestamptz not null,
        unique (case_id, item_no)
      )`);
    this.addSql(`create index items_case_idx on items (case_id)`);
    this.addSql(`create index items_location_idx on items (location_id)`);
    this.addSql(`create index items_owning_agency_idx on items (owning_agency_id)`);
    this.addSql(`create index items_held_by_idx on items using gin (held_by_agency_ids)`);
    this.addSql(`create index items_state_idx on items (state)`);

    this.addSql(`
      create table ledger_events (
        idx bigint primary key check (idx >= 0),
        item_id uuid not null,
        item_seq integer not null check (item_seq >= 1),
        type text not null,
        actor_id uuid,
        agency_id uuid,
        request_id uuid,
        occurred_at timestamptz not null,
        recorded_at timestamptz not null,
        canonical text not null,
        leaf_hash bytea not null check (length(leaf_hash) = 32),
        prev_item_hash bytea check (length(prev_item_hash) = 32),
        unique (item_id, item_seq)
      )`);
    this.addSql(`create index ledger_events_request_idx on ledger_events (request_id) where request_id is not null`);
    // One row: the size of the global log and its Merkle frontier (concatenated 32-byte subtree roots).
    this.addSql(`
      create table ledger_head (
        id boolean primary key default true check (id),
        size bigint not null check (size >= 0),
        frontier bytea not null check (length(frontier) % 32 = 0),
        root bytea not null check (length(root) = 32),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(`insert into ledger_head (size, frontier, root) values (0, '', sha256(''))`);

    // The database itself refuses to change history. ENABLE ALWAYS: the triggers fire even with
    // session_replication_role = replica; only the table's owner can disable them, and verify finds that.
    this.addSql(`
      create function custody_ledger_refuse() returns trigger language plpgsql as $$
      begin
        raise exception 'the custody ledger is append-only: % on % is refused', tg_op, tg_table_name
          using errcode = 'P0001', hint = 'a mistake is corrected by appending a correction event';
      end $$`);
    this.addSql(`
      create function custody_ledger_head_forward() returns trigger language plpgsql as $$
      begin
        if new.size < old.size then
          raise exception 'the ledger head only moves forward (% to %)', old.size, new.size using errcode = 'P0001';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger ledger_events_append_only before update or delete on ledger_events
                   for each row execute function custody_ledger_refuse()`);
    this.addSql(`create trigger ledger_events_no_truncate before truncate on ledger_events
                   for each statement execute function custody_ledger_refuse()`);
    this.addSql(`create trigger ledger_head_no_delete before delete on ledger_head
                   for each row execute function custody_ledger_refuse()`);
    this.addSql(`create trigger ledger_head_no_truncate before truncate on ledger_head
                   for each statement execute function custody_ledger_refuse()`);
    this.addSql(`create trigger ledger_head_forward_only before update on ledger_head
                   for each row execute function custody_ledger_head_forward()`);
    for (const [table, trigger] of [
      ['ledger_events', 'ledger_events_append_only'],
      ['ledger_events', 'ledger_events_no_truncate'],
      ['ledger_head', 'ledger_head_no_delete'],
      ['ledger_head', 'ledger_head_no_truncate'],
      ['ledger_head', 'ledger_head_forward_only'],
    ]) {
      this.addSql(`alter table ${table} enable always trigger ${trigger}`);
    }

    this.addSql(`
      create table requests (
        id uuid primary key,
        kind text not null check (kind in ('loan', 'transfer', 'disposal')),
        status text not null check (status in ('requested', 'approved', 'rejected', 'cancelled', 'carried_out', 'refused')),
        agency_id uuid not null references agencies (id),
        requester_id uuid not null references users (id),
        reason text not null,
        decided_by uuid references users (id),
        decided_at timestamptz,
        decision_note text,
        borrower text,
        purpose text check (purpose in ('lab', 'court', 'appraisal', 'remote_display', 'other')),
        due_at timestamptz,
        to_agency_id uuid references agencies (id),
        answered_by uuid references users (id),
        answered_at timestamptz,
        method text check (method in ('returned_to_owner', 'auctioned', 'confiscated', 'destroyed', 'released_to_other_authority')),
        order_reference text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        -- The approver of a request is never its requester, whatever the application does.
        check (decided_by is null or decided_by <> requester_id),
        check (kind <> 'loan' or (borrower is not null and purpose is not null and due_at is not null)),
        check (kind <> 'transfer' or to_agency_id is not null),
        check (kind <> 'disposal' or (method is not null and order_reference is not null))
      )`);
    this.addSql(`
      create table request_items (
        request_id uuid not null references requests (id),
        item_id uuid not null references items (id),
        carried_out_at timestamptz,
        primary key (request_id, item_id)
      )`);
    this.addSql(`create index request_items_item_idx on request_items (item_id)`);

    this.addSql(`
      create table handovers (
        id uuid primary key,
        from_user_id uuid not null references users (id),
        to_user_id uuid not null references users (id),
        item_ids uuid[] not null check (cardinality(item_ids) > 0),
        note text,
        created_at timestamptz not null default now(),
        check (from_user_id <> to_user_id)
      )`);

    this.addSql(`
      create table alerts (
        id uuid primary key,
        kind text not null,
        item_id uuid references items (id),
        message text not null,
        status text not null default 'open' check (status in ('open', 'resolved')),
        event_idx bigint,
        created_at timestamptz not null default now(),
        resolved_at timestamptz,
        resolved_by uuid references users (id)
      )`);
    this.addSql(`create index alerts_open_idx on alerts (created_at) where status = 'open'`);
    this.addSql(`create unique index alerts_due_once on alerts (item_id, kind)
                   where status = 'open' and kind in ('loan_overdue', 'review_due')`);

    this.addSql(`
      create table attachments (
        id uuid primary key,
        item_id uuid not null references items (id),
        kind text not null check (kind in ('photo', 'document')),
        content_type text not null,
        size_bytes bigint not null check (size_bytes > 0),
        sha256 bytea not null check (length(sha256) = 32),
        filename text,
        uploaded_by uuid not null references users (id),
        created_at timestamptz not null default now()
      )`);
    this.addSql(`create index attachments_item_idx on attachments (item_id)`);

    this.addSql(`
      create table idempotency_keys (
        user_id uuid not null references users (id),
        key text not null,
        method text not null,
        path text not null,
        request_hash bytea not null,
        status integer,
        response jsonb,
        created_at timestamptz not null default now(),
        primary key (user_id, key)
      )`);
  }
}
