import { Migration } from '@mikro-orm/migrations';

export class Migration20261212100001MerkleNodes extends Migration {
  override async up(): Promise<void> {
    // The root of every perfect subtree of 2^4 leaves or more, about n/8 rows. A range root is then
    // O(log n) of them and at most one 16-leaf tile of leaves, whatever the ledger's size
    // (src/custody/ledger/tree-store.ts). A wrong row cannot make a false proof pass, only a true one fail;
    // the full verification compares every row with the tree the events give.
    this.addSql(`
      create table merkle_nodes (
        level smallint not null check (level between 4 and 62),
        idx bigint not null check (idx >= 0),
        hash bytea not null check (length(hash) = 32),
        primary key (level, idx)
      )`);
    // Append-only like the ledger, so the server's role may only read and insert them. A node whose leaves
    // are not all in the ledger yet is refused: one put there early would be kept when its leaves came.
    this.addSql(`
      create function custody_merkle_node_complete() returns trigger language plpgsql as $$
      begin
        if (new.idx + 1)::numeric * 2::numeric ^ new.level > (select size from ledger_head) then
          raise exception 'the Merkle node (%, %) covers events the ledger does not hold', new.level, new.idx
            using errcode = 'P0001';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger merkle_nodes_complete before insert on merkle_nodes
                   for each row execute function custody_merkle_node_complete()`);
    this.addSql(`create trigger merkle_nodes_append_only before update or delete on merkle_nodes
                   for each row execute function custody_ledger_refuse()`);
    this.addSql(`create trigger merkle_nodes_no_truncate before truncate on merkle_nodes
                   for each statement execute function custody_ledger_refuse()`);
    for (const trigger of ['merkle_nodes_complete', 'merkle_nodes_append_only', 'merkle_nodes_no_truncate']) {
      this.addSql(`alter table merkle_nodes enable always trigger ${trigger}`);
    }

    // A centre that has run before: its 256-leaf tiles as they are (the proofs and the checkpoint signer
    // computed nearly all of them), those never computed from their leaves, then their ancestors level by
    // level. The head is held meanwhile, so the nodes are those of the tree it names. The nodes below a
    // tile are left to the proofs that first need them (tree-store.ts computes and keeps them): making them
    // all now would read every event.
    this.addSql(`
      do $backfill$
      declare
        v_size bigint;
        v_tile bigint;
        v_hashes bytea[];
        v_level integer := 8;
      begin
        select size into v_size from ledger_head for update;
        insert into merkle_nodes (level, idx, hash) select 8, tile, root from merkle_tiles where tile < v_size / 256;
        for v_tile in select t from generate_series(0, v_size / 256 - 1) t
                       where not exists (select 1 from merkle_nodes n where n.level = 8 and n.idx = t) loop
          select array_agg(leaf_hash order by idx) into v_hashes
            from ledger_events where idx >= v_tile * 256 and idx < (v_tile + 1) * 256;
          for k in 1 .. 8 loop
            v_hashes := array(select sha256('\\x01'::bytea || v_hashes[2 * j - 1] || v_hashes[2 * j])
                                from generate_series(1, cardinality(v_hashes) / 2) j order by j);
          end loop;
          insert into merkle_nodes (level, idx, hash) values (8, v_tile, v_hashes[1]);
        end loop;
        loop
          insert into merkle_nodes (level, idx, hash)
            select v_level + 1, l.idx / 2, sha256('\\x01'::bytea || l.hash || r.hash)
              from merkle_nodes l join merkle_nodes r on r.level = l.level and r.idx = l.idx + 1
             where l.level = v_level and l.idx % 2 = 0;
          exit when not found;
          v_level := v_level + 1;
        end loop;
      end $backfill$`);
    this.addSql(`drop table merkle_tiles`);

    // What a proof reads (src/custody/ledger/tree-store.ts), in one call: the nodes asked for, in order and
    // concatenated (32 zero bytes where one is missing, whose position is then in missing), and the
    // leaves of the ranges asked for, concatenated. A function, so that its statements are planned once per
    // connection: planned on every proof, they cost PostgreSQL more than running them.
    this.addSql(`
      create function custody_merkle_read(p_levels smallint[], p_indices bigint[], p_firsts bigint[], p_ends bigint[],
                                          out nodes bytea, out missing integer[], out leaves bytea)
        language plpgsql stable set plan_cache_mode = force_generic_plan as $$
      begin
        select coalesce(string_agg(coalesce(n.hash, decode(repeat('00', 32), 'hex')), ''::bytea order by k.ord), ''::bytea),
               coalesce(array_agg(k.ord::integer order by k.ord) filter (where n.hash is null), '{}')
          into nodes, missing
          from unnest(p_levels, p_indices) with ordinality as k (level, idx, ord)
          left join merkle_nodes n on n.level = k.level and n.idx = k.idx;
        -- Lateral, a range scan of the index per range (as a join, its rows were guessed at a third of the table).
        select coalesce(string_agg(r.bytes, ''::bytea order by s.ord), ''::bytea) into leaves
          from unnest(p_firsts, p_ends) with ordinality as s (first, stop, ord)
          cross join lateral (select string_agg(e.leaf_hash, ''::bytea order by e.idx) as bytes
                                from ledger_events e where e.idx >= s.first and e.idx < s.stop) r;
      end $$`);

    // The append as before (Migration20261123090000LedgerAppend), and it now keeps each node its fold
    // completes: the fold hashes them anyway, and a node is then there as soon as its last leaf is, on
    // every standby too, in the same transaction. One in 8 leaves makes one.
    this.addSql(`
      create or replace function custody_ledger_append(p_events jsonb) returns bigint language plpgsql
        security definer set search_path = public, pg_temp as $$
      declare
        v_first bigint;
        v_size bigint;
        v_frontier bytea;
        v_nodes bytea[];
        v_leaf bytea;
        v_node bytea;
        v_bits bigint;
        v_level integer;
        v_root bytea;
        v_made_levels smallint[] := '{}';
        v_made_indices bigint[] := '{}';
        v_made bytea[] := '{}';
      begin
        select size, frontier into v_size, v_frontier from ledger_head where id for update;
        v_first := v_size;
        v_nodes := array(select substring(v_frontier from k * 32 + 1 for 32) from generate_series(0, length(v_frontier) / 32 - 1) k order by k);
        for v_leaf in select decode(e.ev ->> 'leaf', 'hex') from jsonb_array_elements(p_events) with ordinality e(ev, n) order by e.n loop
          v_node := v_leaf;
          v_bits := v_size;
          v_level := 0;
          while v_bits & 1 = 1 loop
            v_node := sha256('\\x01'::bytea || v_nodes[cardinality(v_nodes)] || v_node);
            v_nodes := v_nodes[1 : cardinality(v_nodes) - 1];
            v_bits := v_bits >> 1;
            v_level := v_level + 1;
            if v_level >= 4 then
              v_made_levels := v_made_levels || v_level::smallint;
              v_made_indices := v_made_indices || ((v_size + 1) >> v_level) - 1;
              v_made := v_made || v_node;
            end if;
          end loop;
          v_nodes := v_nodes || v_node;
          v_size := v_size + 1;
        end loop;
        v_root := v_nodes[cardinality(v_nodes)];
        for i in reverse cardinality(v_nodes) - 1 .. 1 loop
          v_root := sha256('\\x01'::bytea || v_nodes[i] || v_root);
        end loop;
        insert into ledger_events (idx, item_id, item_seq, type, actor_id, agency_id, request_id, occurred_at,
                                   recorded_at, canonical, leaf_hash, prev_item_hash)
          select v_first + e.n - 1, (e.ev ->> 'itemId')::uuid, (e.ev ->> 'itemSeq')::integer, e.ev ->> 'type',
                 (e.ev ->> 'actor')::uuid, (e.ev ->> 'agency')::uuid, (e.ev ->> 'requestId')::uuid,
                 (e.ev ->> 'occurredAt')::timestamptz, (e.ev ->> 'recordedAt')::timestamptz, e.ev ->> 'canonical',
                 decode(e.ev ->> 'leaf', 'hex'), decode(e.ev ->> 'prev', 'hex')
            from jsonb_array_elements(p_events) with ordinality e(ev, n);
        update ledger_head
           set size = v_size, root = v_root, updated_at = now(),
               frontier = (select coalesce(string_agg(f.node, ''::bytea order by f.k), ''::bytea) from unnest(v_nodes) with ordinality f(node, k))
         where id;
        -- After the head has moved: a node is refused until the head covers it.
        if cardinality(v_made) > 0 then
          insert into merkle_nodes (level, idx, hash)
            select * from unnest(v_made_levels, v_made_indices, v_made) on conflict do nothing;
        end if;
        return v_first;
      end $$`);
  }
}
