import { createHash, hash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing: leaves are SHA-256(0x00 || data), inner nodes
 * SHA-256(0x01 || left || right), and a tree of n leaves splits at the largest power of two below n.
 */
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);
export const EMPTY_ROOT = createHash('sha256').digest();

/**
 * A digest as a Buffer from Node's shared pool. One-shot crypto.hash is about a third faster than a Hash
 * object for inputs this small, and its digest as a string then copied into the pool costs a third less
 * than its digest in a Buffer of its own (each of which is a separately allocated memory block). A pooled
 * Buffer keeps its whole 8 KiB slab alive: what keeps many digests for long should copy them.
 */
const sha256 = (data: Buffer | string) => Buffer.from(hash('sha256', data, 'binary'), 'binary');

// "\0" is the byte 0x00.
export function leafHash(data: Buffer | string): Buffer {
  return sha256(typeof data === 'string' ? `\0${data}` : Buffer.concat([LEAF, data]));
}

// A node is hashed on every append: filling one input kept for it is cheaper than allocating one each
// time (docs/benchmarks.md, "Why the code is shaped so"). Hashing is synchronous, so no two calls share it at once.
const NODE_INPUT = Buffer.concat([NODE, Buffer.alloc(64)]);

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== 32 || right.length !== 32) return sha256(Buffer.concat([NODE, left, right]));
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 33);
  return sha256(NODE_INPUT);
}

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Root of the tree over `leaves` (leaf hashes), in O(n). */
export function rootOf(leaves: readonly Buffer[]): Buffer {
  const frontier = new Frontier();
  for (const leaf of leaves) frontier.append(leaf);
  return frontier.root();
}

/**
 * The right edge of the tree: roots of the perfect subtrees that make up n leaves, largest first (one per
 * set bit of n). Appending a leaf costs O(log n) hashes, so the head row can keep it up to date on each append.
 */
export class Frontier {
  constructor(
    public size = 0,
    public readonly nodes: Buffer[] = [],
  ) {}

  /**
   * Appends a leaf. `completed` is told each perfect subtree the append completes, lowest first, with its
   * level (log2 of its leaves), its index at that level and its root: the nodes a store keeps, for free.
   */
  append(leaf: Buffer, completed?: (level: number, index: number, root: Buffer) => void): void {
    let node = leaf;
    // Each trailing 1-bit of the old size is a perfect subtree of the same height as `node`: merge them.
    for (let size = this.size, level = 1; size & 1; size >>= 1, level++) {
      node = nodeHash(this.nodes.pop()!, node);
      completed?.(level, (this.size + 1) / 2 ** level - 1, node);
    }
    this.nodes.push(node);
    this.size += 1;
  }

  root(): Buffer {
    if (this.nodes.length === 0) return EMPTY_ROOT;
    let root = this.nodes[this.nodes.length - 1]!;
    for (let i = this.nodes.length - 2; i >= 0; i--) root = nodeHash(this.nodes[i]!, root);
    return root;
  }
}

/** The leaves [start, end) of the tree. */
export type Range = readonly [start: number, end: number];

/**
 * Where proofs get the roots of leaf ranges: an array in memory, or the ledger's tables. A proof asks for all
 * of its ranges at once, so that a store answers them together (tree-store.ts: in one query).
 */
export type RangeRoots = (ranges: readonly Range[]) => Buffer[] | Promise<Buffer[]>;

export const arrayRangeRoots =
  (leaves: readonly Buffer[]): RangeRoots =>
  (ranges) =>
    ranges.map(([start, end]) => rootOf(leaves.slice(start, end)));

/**
 * The perfect subtrees that make up the leaves [start, end), largest first, as [start, size] pairs: one per set
 * bit of end - start. The tree's root over them is theirs folded from the right (as Frontier.root folds), which
 * holds for the ranges proofs and frontiers ask for: each starts at a multiple of a power of two at least as
 * large as itself.
 */
export function perfectSubtrees(start: number, end: number): [start: number, size: number][] {
  let span = 1;
  while (span < end - start) span *= 2;
  if (start % span !== 0) throw new RangeError(`[${start}, ${end}) is not a range of the tree's shape`);
  const subtrees: [number, number][] = [];
  for (let at = start; at < end;) {
    while (span > end - at) span /= 2;
    subtrees.push([at, span]);
    at += span;
  }
  return subtrees;
}

/** The frontier of the first `size` leaves: the ranges of its perfect subtrees, largest first. */
export const frontierRanges = (size: number): Range[] =>
  perfectSubtrees(0, size).map(([start, span]) => [start, start + span] as const);

/** The ranges whose roots make the inclusion proof (audit path) of leaf `index` in a tree of `size` (RFC 6962 §2.1.1). */
export function inclusionRanges(size: number, index: number): Range[] {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is outside a tree of ${size}`);
  const ranges: Range[] = [];
  for (let start = 0, end = size; end - start > 1;) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
    }
  }
  return ranges.reverse();
}

/** The ranges whose roots make the consistency proof between the trees of `m` and `n` leaves (RFC 6962 §2.1.2). */
export function consistencyRanges(m: number, n: number): Range[] {
  if (m < 1 || m > n) throw new RangeError(`size ${m} is not within 1..${n}`);
  const ranges: Range[] = [];
  let [start, end, complete] = [0, n, true];
  while (m !== end) {
    const k = splitPoint(end - start);
    if (m <= start + k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      [start, complete] = [start + k, false];
    }
  }
  if (!complete) ranges.push([start, end]);
  return ranges.reverse();
}

export async function inclusionProof(roots: RangeRoots, size: number, index: number): Promise<Buffer[]> {
  return roots(inclusionRanges(size, index));
}

export async function consistencyProof(roots: RangeRoots, m: number, n: number): Promise<Buffer[]> {
  return roots(consistencyRanges(m, n));
}

/** Checks that the tree of size `size2` with root2 extends the tree of size `size1` with root1 (RFC 9162 §2.1.4.2). */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Buffer,
  root2: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (size1 < 1 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  const path = [...proof];
  if ((size1 & (size1 - 1)) === 0) path.unshift(root1); // size1 is a power of two: its root is the first node
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  if (path.length === 0) return false;
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn & 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!(fn & 1)) {
        while (fn !== 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}
