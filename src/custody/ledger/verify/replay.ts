import { isCanonical, type Json } from '../canonical-json';
import type { Envelope } from '../events';
import { Frontier, leafHash } from '../merkle';
import { projectInPlace, type ItemState } from '../../items/projection';

export interface ReplayedEvent {
  index: number;
  canonical: string;
}

/** What a database row says about its event besides the canonical JSON (hashes in hex). */
export interface StoredFacts {
  itemId: string;
  itemSeq: number;
  leafHash: string;
  prevItemHash: string | null;
}

/**
 * The per-item half of a replay: checks each event's leaf hash against what its row stores, its canonical
 * form, the item's chain (sequence and previous hash) and what the row says, and rebuilds the item's
 * state. It needs only the item's own earlier events, so items can be replayed apart (in workers).
 */
export class ItemReplay {
  readonly items = new Map<string, ItemState>();

  /**
   * Folds in an item's next event, whose canonical JSON hashes to `leaf` (hex); returns why it does not fit,
   * or null. `row` is what the event's database row says, when replaying from the database.
   */
  add(canonical: string, leaf: string, row?: StoredFacts): string | null {
    if (row && leaf !== row.leafHash)
      return 'the leaf hash does not match the event’s canonical JSON: the event was altered';
    let envelope: Envelope;
    try {
      envelope = JSON.parse(canonical) as Envelope;
    } catch {
      return 'the event is not valid JSON';
    }
    if (!isCanonical(envelope as unknown as Json, canonical)) return 'the event is not in canonical form';
    if (row && (envelope.itemId !== row.itemId || Number(envelope.itemSeq) !== row.itemSeq)) {
      return 'the item or sequence number in the row differs from the hashed envelope';
    }
    const previous = this.items.get(envelope.itemId) ?? null;
    const expectedSeq = (previous?.lastSeq ?? 0) + 1;
    if (Number(envelope.itemSeq) !== expectedSeq)
      return `item sequence ${envelope.itemSeq} where ${expectedSeq} was expected`;
    const expectedPrev = previous?.lastHash ?? null;
    if (envelope.prevItemHash !== expectedPrev || (row && row.prevItemHash !== expectedPrev)) {
      return 'the event does not chain to the item’s previous event';
    }
    if (previous === null && envelope.type !== 'registered') return 'the item’s first event is not its registration';
    this.items.set(envelope.itemId, projectInPlace(previous, envelope, leaf));
    return null;
  }
}

/**
 * Replays the ledger event by event: the per-item checks of ItemReplay, the gap-free global index, and the
 * Merkle tree extended by each leaf: `custody verify --all`, from the API (the server's verification
 * reads the database its own way, with the same ItemReplay).
 */
export class LedgerReplay {
  readonly frontier = new Frontier();
  private readonly chains = new ItemReplay();

  get items(): Map<string, ItemState> {
    return this.chains.items;
  }

  /** Adds the next event; returns why it does not fit, or null. */
  add(event: ReplayedEvent): string | null {
    if (event.index !== this.frontier.size) return missingIndex(this.frontier.size, event.index);
    const leaf = leafHash(event.canonical);
    const failure = this.chains.add(event.canonical, leaf.toString('hex'));
    if (failure === null) this.frontier.append(leaf);
    return failure;
  }
}

export const missingIndex = (expected: number, found: number) =>
  `global index ${expected} is missing: the next event has index ${found}`;
