import { Migration } from '@mikro-orm/migrations';

export class Migration20261210000001SearchIndexes extends Migration {
  override async up(): Promise<void> {
    // The item search (issue 18) reads a centre of a million items through indexes only. A text is found by
    // its characters and pairs of characters: a trigram (pg_trgm) needs three, and 手机 has two. The grams of
    // a text are found in a GIN index; the search then keeps, with ilike, the rows that hold the text whole.
    // lower() folds case as ilike does. Written in PL/pgSQL, which caches its plan: a SQL function with a
    // subquery took ten times as long per row to index. Index builds and ANALYZE run functions with a
    // search path of pg_catalog alone (PostgreSQL 17), so this one calls no other of ours.
    this.addSql(`create function custody_grams(variadic texts text[]) returns text[]
      language plpgsql immutable parallel safe as $$
      declare
        t text;
        s text;
        grams text[] := '{}';
      begin
        foreach t in array texts loop
          s := lower(t);
          for i in 1 .. coalesce(length(s), 0) loop
            grams := grams || substr(s, i, 1);
            if i < length(s) then
              grams := grams || substr(s, i, 2);
            end if;
          end loop;
        end loop;
        return grams;
      end $$`);
    // What a text searched for must find among a row's grams: its pairs, or its one character.
    this.addSql(`create function custody_query_grams(q text) returns text[]
      language plpgsql immutable strict parallel safe as $$
      declare
        s text := lower(q);
        grams text[] := '{}';
      begin
        if length(s) < 2 then
          return array[s];
        end if;
        for i in 1 .. length(s) - 1 loop
          grams := grams || substr(s, i, 2);
        end loop;
        return grams;
      end $$`);
    this.addSql(
      `create index items_text_idx on items using gin (custody_grams(description, serial_number, seal_number))`,
    );
    this.addSql(`create index cases_number_text_idx on cases using gin (custody_grams(case_number))`);
    // The filters and sort orders the search offers that no index served. Each sort order ends with the id
    // (the search's tie-break, in the same direction), so that a page is read in index order and no more:
    // ordered by a column alone, the rows of one value (every stored item, every item never lent) are sorted
    // whole before the first page. The code and the case's item number are unique and had their indexes.
    this.addSql(`create index items_category_idx on items (category, id)`);
    this.addSql(`create index items_state_id_idx on items (state, id)`);
    this.addSql(`drop index items_state_idx`);
    this.addSql(`create index items_last_event_idx on items (last_event_at, id)`);
    this.addSql(`create index items_loan_due_idx on items (loan_due_at, id)`);
    // With the state, so that the review list (not disposed, due by today) is counted from the index alone.
    this.addSql(`create index items_review_date_idx on items (review_date, id) include (state)`);
  }
}
