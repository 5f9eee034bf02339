import type { Sql } from '../../sql';
import { TILE_LEVEL } from '../tree-store';
import type { VerifyFailure } from './verify';

const LEVELS = Array.from({ length: 63 - TILE_LEVEL }, (_, i) => TILE_LEVEL + i);

interface Level {
  /** The stored nodes' indices, ascending. */
  indices: number[];
  /** Their hashes, 32 bytes each, in the same order. */
  hashes: Buffer;
}

/**
 * The stored tree (merkle_nodes) against the tree a verification recomputes from the events. Proofs and the
 * checkpoint signer read those nodes rather than the leaves: a wrong one makes true proofs fail and the
 * signer refuse to sign, as if history had been rewritten, while the events are intact; this names it. A
 * missing node is no fault: it is computed when asked for. Each node is compared as the verification's own
 * fold completes it (Frontier.append tells it), so it costs no hash of its own.
 */
export class StoredNodeCheck {
  private checked = 0;
  private wrong: VerifyFailure | null = null;

  private constructor(
    private readonly levels: Map<number, Level>,
    private readonly total: number,
  ) {}

  /** The stored nodes whose last leaf is at index `from` or later (all of them by default), as `sql` sees them. */
  static async load(sql: Sql, from = 0): Promise<StoredNodeCheck> {
    const rows = await sql.execute<{ level: number; indices: string[]; hashes: Buffer }[]>(
      // Per level, a range of the index, (idx + 1) · 2^level > from, each with its own bound: a range joined
      // to a list is guessed at a third of the table, and scanned whole (as tree-store.ts found of tiles).
      `select level::int as level, array_agg(idx order by idx) as indices,
              string_agg(hash, ''::bytea order by idx) as hashes
         from merkle_nodes where ${LEVELS.map((level) => `(level = ${level} and idx >= ?)`).join(' or ')}
        group by level`,
      LEVELS.map((level) => Math.floor(from / 2 ** level)),
    );
    const levels = new Map(rows.map((r) => [r.level, { indices: r.indices.map(Number), hashes: r.hashes }]));
    return new StoredNodeCheck(
      levels,
      rows.reduce((n, r) => n + r.indices.length, 0),
    );
  }

  /** For Frontier.append: compares a node the verification's fold has just completed with the stored one. */
  readonly completed = (level: number, index: number, root: Buffer): void => {
    if (level < TILE_LEVEL) return;
    const stored = this.find(level, index);
    if (!stored) return;
    this.checked++;
    if (!this.wrong && !stored.equals(root)) {
      const size = 2 ** level;
      this.wrong = {
        index: null,
        itemId: null,
        reason:
          `the stored Merkle node of events ${index * size}–${(index + 1) * size - 1} ` +
          `(level ${level}, index ${index}) differs from the one the events give: ` +
          `proofs and the checkpoint signer read it`,
      };
    }
  };

  /** After the last event: the first stored node that differs from the events', or one they do not complete. */
  failure(): VerifyFailure | null {
    if (this.wrong || this.checked === this.total) return this.wrong;
    return {
      index: null,
      itemId: null,
      reason: `${this.total - this.checked} stored Merkle nodes cover events that the ledger does not hold`,
    };
  }

  private find(level: number, index: number): Buffer | null {
    const stored = this.levels.get(level);
    if (!stored) return null;
    let [low, high] = [0, stored.indices.length - 1];
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = stored.indices[mid]!;
      if (at === index) return stored.hashes.subarray(mid * 32, mid * 32 + 32);
      if (at < index) low = mid + 1;
      else high = mid - 1;
    }
    return null;
  }
}
