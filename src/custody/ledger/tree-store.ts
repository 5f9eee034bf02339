import type { EntityManager } from '@mikro-orm/postgresql';
import { nodeHash, rootOf, type RangeRoot } from './merkle';

export const TILE = 256;

/** SQLSTATE of a write refused by a read-only transaction, which every transaction on a standby is. */
const READ_ONLY_TRANSACTION = '25006';

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * Roots of leaf ranges of the ledger's Merkle tree, read from the database: leaf hashes for small ranges and
 * the roots of complete 256-leaf tiles (computed once, then kept in merkle_tiles) for large ones. One
 * instance serves one proof; it memoizes what it reads.
 */
export function ledgerRangeRoot(em: EntityManager): RangeRoot {
  const memo = new Map<string, Buffer>();
  // On a hot standby (a read replica) nothing can be written: its tiles are computed, and kept by the
  // primary when it computes them in turn.
  let keep = true;
  const keepTile = (tile: number, root: Buffer) =>
    em.execute('insert into merkle_tiles (tile, root) values (?, ?) on conflict do nothing', [tile, root]).then(
      () => undefined,
      (err: { code?: string }) => {
        if (err.code !== READ_ONLY_TRANSACTION) throw err;
        keep = false;
      },
    );

  const leaves = async (start: number, end: number): Promise<Buffer[]> => {
    const rows = await em.execute<{ leaf_hash: Buffer }[]>(
      'select leaf_hash from ledger_events where idx >= ? and idx < ? order by idx',
      [start, end],
    );
    if (rows.length !== end - start) throw new Error(`the ledger lacks leaves in [${start}, ${end})`);
    return rows.map((r) => r.leaf_hash);
  };

  /** Roots of the complete tiles [first, last], computing and keeping the missing ones. */
  const tiles = async (first: number, last: number): Promise<Buffer[]> => {
    const rows = await em.execute<{ tile: string; root: Buffer }[]>(
      'select tile, root from merkle_tiles where tile between ? and ? order by tile',
      [first, last],
    );
    const known = new Map(rows.map((r) => [Number(r.tile), r.root]));
    const roots: Buffer[] = [];
    for (let tile = first; tile <= last; tile++) {
      let root = known.get(tile);
      if (!root) {
        root = rootOf(await leaves(tile * TILE, (tile + 1) * TILE));
        if (keep) await keepTile(tile, root);
      }
      roots.push(root);
    }
    return roots;
  };

  const perfect = async (start: number, size: number): Promise<Buffer> => {
    if (size < TILE) return rootOf(await leaves(start, start + size));
    let level = await tiles(start / TILE, (start + size) / TILE - 1);
    while (level.length > 1) level = level.flatMap((node, i) => (i % 2 === 0 ? [nodeHash(node, level[i + 1]!)] : []));
    return level[0]!;
  };

  const range = async (start: number, end: number): Promise<Buffer> => {
    const key = `${start}:${end}`;
    const cached = memo.get(key);
    if (cached) return cached;
    const size = end - start;
    let root: Buffer;
    if (isPowerOfTwo(size) && start % size === 0) {
      root = await perfect(start, size);
    } else {
      let k = 1;
      while (k * 2 < size) k *= 2;
      root = nodeHash(await range(start, start + k), await range(start + k, end));
    }
    memo.set(key, root);
    return root;
  };
  return range;
}
