import { isCanonical, type Json } from './canonical-json';
import type { Envelope } from './events';
import { Frontier, leafHash } from './merkle';
import { project, type ItemState } from './projection';

export interface ReplayedEvent {
  index: number;
  canonical: string;
  /** What the database row says besides the envelope, when replaying from the database. */
  row?: { itemId: string; itemSeq: number; leafHash: Buffer; prevItemHash: Buffer | null };
}

/**
 * Replays the ledger event by event: recomputes each leaf hash from the canonical JSON, checks the gap-free
 * global index and each item's chain, extends the Merkle tree, and rebuilds every item's state. Used by the
 * server's verification (from the database) and by `custody verify --all` (from the API, with no database).
 */
export class LedgerReplay {
  readonly frontier = new Frontier();
  readonly items = new Map<string, ItemState>();

  /** Adds the next event; returns why it does not fit, or null. */
  add(event: ReplayedEvent): string | null {
    if (event.index !== this.frontier.size) return `global index ${this.frontier.size} is missing: the next event has index ${event.index}`;
    const leaf = leafHash(event.canonical);
    if (event.row && !leaf.equals(event.row.leafHash)) return 'the leaf hash does not match the event’s canonical JSON: the event was altered';
    let envelope: Envelope;
    try {
      envelope = JSON.parse(event.canonical) as Envelope;
    } catch {
      return 'the event is not valid JSON';
    }
    if (!isCanonical(envelope as unknown as Json, event.canonical)) return 'the event is not in canonical form';
    if (event.row && (envelope.itemId !== event.row.itemId || Number(envelope.itemSeq) !== event.row.itemSeq)) {
      return 'the item or sequence number in the row differs from the hashed envelope';
    }
    const previous = this.items.get(envelope.itemId) ?? null;
    const expectedSeq = (previous?.lastSeq ?? 0) + 1;
    if (Number(envelope.itemSeq) !== expectedSeq) return `item sequence ${envelope.itemSeq} where ${expectedSeq} was expected`;
    const expectedPrev = previous?.lastHash ?? null;
    if (envelope.prevItemHash !== expectedPrev || (event.row && (event.row.prevItemHash?.toString('hex') ?? null) !== expectedPrev)) {
      return 'the event does not chain to the item’s previous event';
    }
    if (previous === null && envelope.type !== 'registered') return 'the item’s first event is not its registration';
    this.items.set(envelope.itemId, project(previous, envelope, leaf.toString('hex')));
    this.frontier.append(leaf);
    return null;
  }
}
