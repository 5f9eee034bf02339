import { Migration } from '@mikro-orm/migrations';

export class Migration20261201500001DirectoryAppend extends Migration {
  override async up(): Promise<void> {
    // The directory log's append, as the ledger's: the server's role may not write the log or its head
    // (src/database-role.ts), only call this, which runs as the owner. It extends the head's RFC 6962
    // frontier by the entry's leaf (refusing an entry that does not name the head as its predecessor) with the fold of custody_ledger_append and inserts the entry as the next.
    this.addSql(`
      create function custody_directory_append(p_entry text, p_leaf bytea, p_subject uuid) returns bigint
      language plpgsql security definer set search_path = public, pg_temp as $$
      declare
        v_size bigint;
        v_frontier bytea;
        v_nodes bytea[];
        v_node bytea;
        v_bits bigint;
        v_root bytea;
        v_last bytea;
      begin
        select size, frontier, last_hash into v_size, v_frontier, v_last from directory_log_head for update;
        if (p_entry::jsonb ->> 'seq') is distinct from (v_size + 1)::text
           or (p_entry::jsonb ->> 'prevHash') is distinct from encode(v_last, 'hex') then
          raise exception 'directory log entry % does not follow the head (size %)', p_entry::jsonb ->> 'seq', v_size;
        end if;
        v_nodes := array(select substring(v_frontier from k * 32 + 1 for 32) from generate_series(0, length(v_frontier) / 32 - 1) k order by k);
        v_node := p_leaf;
        v_bits := v_size;
        while v_bits & 1 = 1 loop
          v_node := sha256('\\x01'::bytea || v_nodes[cardinality(v_nodes)] || v_node);
          v_nodes := v_nodes[1 : cardinality(v_nodes) - 1];
          v_bits := v_bits >> 1;
        end loop;
        v_nodes := v_nodes || v_node;
        v_root := v_nodes[cardinality(v_nodes)];
        for i in reverse cardinality(v_nodes) - 1 .. 1 loop
          v_root := sha256('\\x01'::bytea || v_nodes[i] || v_root);
        end loop;
        insert into directory_log (seq, entry, leaf_hash, subject_id) values (v_size + 1, p_entry, p_leaf, p_subject);
        update directory_log_head
           set size = v_size + 1, last_hash = p_leaf, root = v_root, updated_at = now(),
               frontier = (select coalesce(string_agg(f.node, ''::bytea order by f.k), ''::bytea) from unnest(v_nodes) with ordinality f(node, k));
        return v_size + 1;
      end $$`);
    this.addSql(`revoke execute on function custody_directory_append(text, bytea, uuid) from public`);
  }
}
