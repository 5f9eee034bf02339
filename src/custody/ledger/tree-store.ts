import { arrayLiteral, type Sql } from '../sql';
import { nodeHash, perfectSubtrees, rootOf, type RangeRoots } from './merkle';

/**
 * The ledger's Merkle tree as stored: the root of every perfect subtree of 2^4 leaves or more (a "node" at
 * `level` ≥ 4 and `index`, over the leaves [index·2^level, (index+1)·2^level)) in merkle_nodes, about n/8
 * rows; below that, the leaf hashes in ledger_events. custody_ledger_append writes each node in the
 * transaction that appends its last leaf; this file computes one that is missing all the same (a ledger
 * from before, or loaded by other means) and keeps it where it may.
 *
 * Why 16 leaves: a proof's parts smaller than a node come from the leaves of at most two tiles, and a
 * tile's 16 leaves lie in a page or two of ledger_events, whose rows are wide; 256 of them lay in about 30
 * pages, read at random across the table, and cost a proof more than all its nodes (docs/benchmarks.md).
 */
export const TILE_LEVEL = 4;
/** The leaves under the smallest stored node. */
export const TILE = 2 ** TILE_LEVEL;

export interface StoredNode {
  level: number;
  index: number;
  hash: Buffer;
}

/** SQLSTATE of a write refused by a read-only transaction, which every transaction on a standby is. */
const READ_ONLY_TRANSACTION = '25006';

const key = (level: number, index: number) => level * 2 ** 46 + index;

// Arrays go as PostgreSQL array literals: the ORM's execute would spread a JavaScript array into a list.
const numbers = (values: readonly number[]) => `{${values.join(',')}}`;

/**
 * Roots of leaf ranges of the ledger's tree, read from the database. A call answers all of a proof's ranges
 * with one statement: the stored nodes they are made of (O(log n)) and the leaves of the tiles (at most two:
 * one around the leaf or the old size, one at the new size) that hold their parts smaller than a node.
 * One instance serves one proof, or a few.
 */
export function ledgerRangeRoots(sql: Sql): RangeRoots {
  // On a hot standby (a read replica) nothing can be written: a missing node is computed each time there,
  // until the primary has kept it too.
  let keep = true;

  return async (ranges) => {
    const subtrees = ranges.map(([start, end]) => perfectSubtrees(start, end));
    const wanted = new Map<number, [level: number, index: number]>();
    /** For each tile with parts below a node's size: where the leaves they need end. */
    const tiles = new Map<number, number>();
    for (const [start, size] of subtrees.flat()) {
      if (size >= TILE) {
        const level = Math.log2(size);
        wanted.set(key(level, start / size), [level, start / size]);
      } else {
        const tile = Math.floor(start / TILE);
        tiles.set(tile, Math.max(tiles.get(tile) ?? 0, start + size));
      }
    }

    // One call of custody_merkle_read (its statements planned once per connection), answered as three
    // plain values: an array of hashes took longer to parse than the proof to compute.
    const asked = [...wanted.values()];
    const spans = [...tiles].map(([tile, end]) => [tile * TILE, end] as const);
    const [row] = await sql.execute<{ nodes: Buffer; missing: number[]; leaves: Buffer }[]>(
      'select nodes, missing, leaves from custody_merkle_read(?::smallint[], ?::bigint[], ?::bigint[], ?::bigint[])',
      [
        numbers(asked.map(([level]) => level)),
        numbers(asked.map(([, index]) => index)),
        numbers(spans.map(([first]) => first)),
        numbers(spans.map(([, end]) => end)),
      ],
    );

    const nodes = new Map<number, Buffer>();
    const absent = new Set(row!.missing);
    for (const [i, [level, index]] of asked.entries()) {
      if (!absent.has(i + 1)) nodes.set(key(level, index), row!.nodes.subarray(i * 32, i * 32 + 32));
    }
    const leaves = new Map<number, Buffer[]>();
    const leafCount = spans.reduce((sum, [first, end]) => sum + end - first, 0);
    if (row!.leaves.length !== leafCount * 32) {
      throw new Error(`the ledger lacks leaves in ${spans.map(([first, end]) => `[${first}, ${end})`).join(' or ')}`);
    }
    let at = 0;
    for (const [first, end] of spans) {
      leaves.set(
        first / TILE,
        Array.from({ length: end - first }, () => row!.leaves.subarray(at * 32, ++at * 32)),
      );
    }
    const missing = asked.filter((_, i) => absent.has(i + 1));
    if (missing.length) {
      const computed = await computeNodes(sql, missing);
      for (const node of computed) nodes.set(key(node.level, node.index), node.hash);
      if (keep) keep = await keepNodes(sql, computed);
    }

    const small = new Map<string, Buffer>();
    const root = ([start, size]: [number, number]): Buffer => {
      if (size >= TILE) return nodes.get(key(Math.log2(size), start / size))!;
      const name = `${start}:${size}`;
      let hash = small.get(name);
      if (!hash) {
        const from = start % TILE;
        hash = rootOf(leaves.get(Math.floor(start / TILE))!.slice(from, from + size));
        small.set(name, hash);
      }
      return hash;
    };
    return subtrees.map((parts) => {
      let hash = root(parts.at(-1)!);
      for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(root(parts[i]!), hash);
      return hash;
    });
  };
}

/**
 * Computes nodes that are not stored, and those below them that are not either: a query per level they
 * reach down, and one for the leaves of the missing tiles.
 */
async function computeNodes(sql: Sql, nodes: [level: number, index: number][]): Promise<StoredNode[]> {
  const computed: StoredNode[] = [];
  const tiles = nodes.filter(([level]) => level === TILE_LEVEL).map(([, index]) => index);
  const higher = nodes.filter(([level]) => level > TILE_LEVEL);
  if (tiles.length) {
    const rows = await sql.execute<{ idx: string; leaf_hash: Buffer }[]>(
      // Every index listed: as ranges joined to the tiles, PostgreSQL guessed a third of the table for each
      // and scanned all of it.
      'select idx, leaf_hash from ledger_events where idx = any (?::bigint[]) order by idx',
      [numbers(tiles.flatMap((tile) => Array.from({ length: TILE }, (_, i) => tile * TILE + i)))],
    );
    const byTile = new Map<number, Buffer[]>(tiles.map((tile) => [tile, []]));
    for (const row of rows) byTile.get(Math.floor(Number(row.idx) / TILE))!.push(row.leaf_hash);
    for (const [index, leaves] of byTile) {
      if (leaves.length !== TILE) throw new Error(`the ledger lacks leaves of tile ${index}`);
      computed.push({ level: TILE_LEVEL, index, hash: rootOf(leaves) });
    }
  }
  if (higher.length) {
    const children = higher.flatMap(([level, index]) => [
      [level - 1, 2 * index] as [number, number],
      [level - 1, 2 * index + 1] as [number, number],
    ]);
    const rows = await sql.execute<{ level: number; idx: string; hash: Buffer }[]>(
      `select k.level::int as level, k.idx, n.hash from unnest(?::smallint[], ?::bigint[]) as k (level, idx)
         join merkle_nodes n on n.level = k.level and n.idx = k.idx`,
      [numbers(children.map(([level]) => level)), numbers(children.map(([, index]) => index))],
    );
    const known = new Map(rows.map((r) => [key(r.level, Number(r.idx)), r.hash]));
    const absent = children.filter(([level, index]) => !known.has(key(level, index)));
    for (const node of absent.length ? await computeNodes(sql, absent) : []) {
      known.set(key(node.level, node.index), node.hash);
      computed.push(node);
    }
    for (const [level, index] of higher) {
      const hash = nodeHash(known.get(key(level - 1, 2 * index))!, known.get(key(level - 1, 2 * index + 1))!);
      computed.push({ level, index, hash });
    }
  }
  return computed;
}

/** Keeps computed nodes; false on a standby, where nothing can be kept. */
async function keepNodes(sql: Sql, nodes: StoredNode[]): Promise<boolean> {
  try {
    await sql.execute(
      `insert into merkle_nodes (level, idx, hash) select * from unnest(?::smallint[], ?::bigint[], ?::bytea[])
       on conflict do nothing`,
      [
        numbers(nodes.map((n) => n.level)),
        numbers(nodes.map((n) => n.index)),
        arrayLiteral(nodes.map((n) => `\\x${n.hash.toString('hex')}`)),
      ],
    );
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== READ_ONLY_TRANSACTION) throw err;
    return false;
  }
}
