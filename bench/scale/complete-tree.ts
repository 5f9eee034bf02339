import type { MikroORM } from '@mikro-orm/postgresql';
import { Frontier } from '../../src/custody/ledger/merkle';
import { TILE, TILE_LEVEL } from '../../src/custody/ledger/tree-store';

/** The level from which the migration to merkle_nodes kept the nodes of a ledger from before it. */
const MIGRATED_LEVEL = 8;
/** Leaves read per statement. */
const BATCH = 100_000;

/**
 * The stored tree of a centre built before merkle_nodes kept nodes of fewer than 256 events: the migration
 * kept the larger ones, and proofs compute and keep the smaller ones as they come to need them, so a centre
 * in use has them all in time. The bench completes them first, to time proofs on such a tree; a centre
 * built by today's generator has them already. Returns how many it added.
 */
export async function completeStoredTree(orm: MikroORM): Promise<number> {
  const em = orm.em.fork();
  const [state] = await em.execute<{ size: string; tiles: string }[]>(
    'select (select size from ledger_head) as size, (select count(*) from merkle_nodes where level = ?) as tiles',
    [TILE_LEVEL],
  );
  const size = Number(state!.size);
  if (Number(state!.tiles) === Math.floor(size / TILE)) return 0;
  const frontier = new Frontier();
  let added = 0;
  for (let from = 0; from < size; from += BATCH) {
    const rows = await em.execute<{ leaf_hash: Buffer }[]>(
      'select leaf_hash from ledger_events where idx >= ? and idx < ? order by idx',
      [from, from + BATCH],
    );
    const levels: number[] = [];
    const indices: number[] = [];
    const hashes: string[] = [];
    for (const row of rows)
      frontier.append(row.leaf_hash, (level, index, root) => {
        if (level < TILE_LEVEL || level >= MIGRATED_LEVEL) return;
        levels.push(level);
        indices.push(index);
        hashes.push(root.toString('hex'));
      });
    if (levels.length === 0) continue;
    // Array literals, not arrays: the ORM's execute would spread a JavaScript array into a list.
    const [inserted] = await em.execute<{ n: number }[]>(
      `with kept as (
         insert into merkle_nodes (level, idx, hash)
         select l, i, decode(h, 'hex') from unnest(?::int[], ?::bigint[], ?::text[]) as n (l, i, h)
         on conflict do nothing returning 1)
       select count(*)::int as n from kept`,
      [`{${levels.join(',')}}`, `{${indices.join(',')}}`, `{${hashes.join(',')}}`],
    );
    added += inserted!.n;
  }
  return added;
}
