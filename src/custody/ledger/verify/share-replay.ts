import { EventCopyReader } from './event-copy';
import { ItemReplay, missingIndex } from './replay';

export const HASH = 32;

/** The first event that does not fit: its place among the rows of its chunk, its index and item, and why. */
export interface ChunkFailure {
  at: number;
  index: number;
  itemId: string;
  reason: string;
}

/** What one share of the items made of the rows that a chunk completes. */
export interface ShareOutcome {
  /** How many rows the chunk completes: every share counts them all. */
  rows: number;
  /** The places, among those rows, of this share's events, up to its first failure. */
  places: number[];
  /** Their leaf hashes in hex, in the same order. */
  leaves: string[];
  failure: ChunkFailure | null;
}

/** A worker's ShareOutcome as sent to the main thread: the leaves as one buffer, 32 bytes each. */
export interface PackedShareOutcome {
  rows: number;
  places: Uint32Array;
  leaves: Uint8Array;
  failure: ChunkFailure | null;
}

/** The items whose id's first byte (its first two hex digits) is at least `from` and below `to`. */
export interface Share {
  from: number;
  to: number;
}

/**
 * One share of the items, replayed from the COPY stream of the ledger's events in index order: ItemReplay's
 * checks of each of their events, and for every row, its own or not, that its global index is the next
 * one. Items are replayed apart, so the shares can run in separate threads, each reading the whole stream.
 */
export class ShareReplay {
  readonly replay = new ItemReplay();
  private readonly reader = new EventCopyReader();
  private nextIndex = 0;
  private failed = false;

  constructor(private readonly share: Share) {}

  /** Replays this share's events among the rows that `chunk` completes (and changes `chunk`'s bytes). */
  add(chunk: Buffer): ShareOutcome {
    const places: number[] = [];
    const leaves: string[] = [];
    let rows = 0;
    let failure: ChunkFailure | null = null;
    const fail = (at: number, index: number, itemId: string, reason: string) => {
      failure = { at, index, itemId, reason };
      this.failed = true;
    };
    this.reader.read(
      chunk,
      (itemByte) => !this.failed && itemByte >= this.share.from && itemByte < this.share.to,
      (index, event) => {
        const at = rows++;
        if (this.failed) return;
        if (index !== this.nextIndex) return fail(at, index, this.reader.itemId(), missingIndex(this.nextIndex, index));
        this.nextIndex++;
        if (!event) return;
        const failed = this.replay.add(event.canonical, event.leaf, event);
        if (failed) return fail(at, index, event.itemId, failed);
        places.push(at);
        leaves.push(event.leaf);
      },
    );
    return { rows, places, leaves, failure };
  }
}

/** A ShareOutcome in buffers of their own (not slices of Node's pool), to be handed over to another thread. */
export function packShareOutcome({ rows, places, leaves, failure }: ShareOutcome): PackedShareOutcome {
  const bytes = Buffer.from(new ArrayBuffer(leaves.length * HASH));
  leaves.forEach((leaf, k) => bytes.write(leaf, k * HASH, HASH, 'hex'));
  return { rows, places: Uint32Array.from(places), leaves: bytes, failure };
}
