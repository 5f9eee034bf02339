import { Migration } from '@mikro-orm/migrations';

export class Migration20261123090000LedgerAppend extends Migration {
  override async up(): Promise<void> {
    // The serialized part of an append in one statement: lock the head, extend the RFC 6962 frontier by the
    // new leaves (the same fold as Frontier.append in src/custody/merkle.ts), insert the events with the next
    // indices and move the head. The caller computed the leaves; the head row is held from here to COMMIT
    // with no round trip to the application in between but the COMMIT itself.
    this.addSql(`
      create function custody_ledger_append(p_events jsonb) returns bigint language plpgsql as $$
      declare
        v_first bigint;
        v_size bigint;
        v_frontier bytea;
        v_nodes bytea[];
        v_leaf bytea;
        v_node bytea;
        v_bits bigint;
        v_root bytea;
      begin
        select size, frontier into v_size, v_frontier from ledger_head where id for update;
        v_first := v_size;
        v_nodes := array(select substring(v_frontier from k * 32 + 1 for 32) from generate_series(0, length(v_frontier) / 32 - 1) k order by k);
        for v_leaf in select decode(e.ev ->> 'leaf', 'hex') from jsonb_array_elements(p_events) with ordinality e(ev, n) order by e.n loop
          v_node := v_leaf;
          v_bits := v_size;
          while v_bits & 1 = 1 loop
            v_node := sha256('\\x01'::bytea || v_nodes[cardinality(v_nodes)] || v_node);
            v_nodes := v_nodes[1 : cardinality(v_nodes) - 1];
            v_bits := v_bits >> 1;
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
        return v_first;
      end $$`);
  }
}
