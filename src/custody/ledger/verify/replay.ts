import { isCanonical, type Json } from '../canonical-json';
import type { Envelope } from '../events';
import { Frontier, leafHash } from '../merkle';
import { projectInPlace, type ItemState } from '../../items/projection';
import { EnvelopeView } from './envelope-bytes';

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

/** What a database row says about its event's place in its item's chain, as the chain asks it. */
export interface StoredLinks {
  /** Whether the row names this item and sequence number. */
  is(itemId: string, itemSeq: number): boolean;
  /** Whether the row's previous hash is this one (hex), or null when `hex` is. */
  chainsTo(hex: string | null): boolean;
}

export const ALTERED = 'the leaf hash does not match the event’s canonical JSON: the event was altered';

/** The envelope an event's canonical JSON holds, or why there is none. */
export function envelopeOf(canonical: string): Envelope | string {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(canonical) as Envelope;
  } catch {
    return 'the event is not valid JSON';
  }
  return isCanonical(envelope as unknown as Json, canonical) ? envelope : 'the event is not in canonical form';
}

const linksOf = (row: StoredFacts): StoredLinks => ({
  is: (itemId, itemSeq) => itemId === row.itemId && itemSeq === row.itemSeq,
  chainsTo: (hex) => hex === row.prevItemHash,
});

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
    if (row && leaf !== row.leafHash) return ALTERED;
    const envelope = envelopeOf(canonical);
    return typeof envelope === 'string' ? envelope : this.follow(envelope, leaf, row && linksOf(row));
  }

  /**
   * Folds in an item's next event, once its leaf hash matched its row's and its text was found canonical
   * and gave `envelope`: the row's item and links, the item's chain, and the item's state.
   */
  follow(envelope: Envelope, leaf: string, row?: StoredLinks): string | null {
    const itemId = envelope.itemId;
    const itemSeq = envelope.itemSeq;
    if (row && !row.is(itemId, Number(itemSeq))) {
      return 'the item or sequence number in the row differs from the hashed envelope';
    }
    const previous = this.items.get(itemId) ?? null;
    const expectedSeq = (previous?.lastSeq ?? 0) + 1;
    if (Number(itemSeq) !== expectedSeq) return `item sequence ${itemSeq} where ${expectedSeq} was expected`;
    const expectedPrev = previous?.lastHash ?? null;
    if (!chainsTo(envelope, expectedPrev) || (row && !row.chainsTo(expectedPrev))) {
      return 'the event does not chain to the item’s previous event';
    }
    if (previous === null && envelope.type !== 'registered') return 'the item’s first event is not its registration';
    this.items.set(itemId, projectInPlace(previous, envelope, leaf));
    return null;
  }
}

/** Whether the envelope's previous hash is `hex`, compared where it lies when it was read from bytes. */
const chainsTo = (envelope: Envelope, hex: string | null): boolean =>
  envelope instanceof EnvelopeView ? envelope.prevItemHashIs(hex) : envelope.prevItemHash === hex;

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
