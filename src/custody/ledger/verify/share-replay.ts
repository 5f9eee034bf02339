import { EnvelopeView, scanEnvelope } from './envelope-bytes';
import {
  EventCopyReader,
  HASH,
  itemByteOf,
  itemIdOf,
  storedItemIs,
  storedLeafIs,
  storedPrevIs,
  type CopyRow,
} from './event-copy';
import { ItemRowCheck, type ItemRowsOutcome } from './item-rows';
import { ALTERED, envelopeOf, ItemReplay, missingIndex, type StoredLinks } from './replay';
import type { ItemState } from '../../items/projection';

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
  failure: ChunkFailure | null;
}

/** The items whose id's first byte (its first two hex digits) is at least `from` and below `to`. */
export interface Share {
  from: number;
  to: number;
}

/** What a share needs to know: its items, and the order of the items rows' columns (ITEM_COLUMNS). */
export interface ShareSetup {
  share: Share;
  columns: (keyof ItemState)[];
}

/** A share's check of the items rows: rows read, its first row that differs, and its items. */
export interface ShareRowsOutcome extends ItemRowsOutcome {
  items: number;
}

/** The row being replayed, as the item's chain asks about it. */
class RowLinks implements StoredLinks {
  row: CopyRow | null = null;

  is(itemId: string, itemSeq: number): boolean {
    return itemSeq === this.row!.itemSeq && storedItemIs(this.row!, itemId);
  }

  chainsTo(hex: string | null): boolean {
    return storedPrevIs(this.row!, hex);
  }
}

/**
 * One share of the items, replayed from the COPY stream of the ledger's events in index order, given each
 * row's leaf hash: ItemReplay's checks of each of their events, and for every row, its own or not, that its
 * global index is the next one. Items are replayed apart, so the shares can run in separate threads, each
 * reading the whole stream.
 */
export class ShareReplay {
  readonly replay = new ItemReplay();
  private readonly reader = new EventCopyReader();
  private readonly links = new RowLinks();
  private readonly view = new EnvelopeView();
  private nextIndex = 0;
  private failed = false;
  private rows: ItemRowCheck | null = null;

  constructor(private readonly setup: ShareSetup) {}

  /** How many items this share has replayed so far. */
  get items(): number {
    return this.replay.items.size;
  }

  /** Checks the items rows whose lines (of COPY's text, in id order) `chunk` completes, once every event is in. */
  addItemRows(chunk: Buffer): void {
    const { from, to } = this.setup.share;
    this.rows ??= new ItemRowCheck(this.setup.columns, this.replay.items, (b) => b >= from && b < to);
    this.rows.add(chunk);
  }

  itemRows(): ShareRowsOutcome {
    return { ...(this.rows?.outcome() ?? { rows: 0, mismatch: null }), items: this.items };
  }

  /**
   * Replays this share's events among the rows that `chunk` completes, the leaf hash of the n-th of them
   * being the n-th 32 bytes of `leaves`.
   */
  add(chunk: Buffer, leaves: Buffer): ShareOutcome {
    let rows = 0;
    let failure: ChunkFailure | null = null;
    this.reader.read(chunk, (row) => {
      const at = rows++;
      const reason = this.row(row, leaves, at * HASH);
      if (reason !== null) failure = { at, index: row.index, itemId: itemIdOf(row), reason };
    });
    return { rows, failure };
  }

  /**
   * The next row of the stream, whose leaf hash is at `leaf` in `leaves`: that its global index is the
   * next one, and if it is this share's, its event replayed. Why it does not fit, or null; once one did not,
   * the rows after it are not looked at (null).
   */
  row(row: CopyRow, leaves: Buffer, leaf: number): string | null {
    if (this.failed) return null;
    let reason: string | null = null;
    if (row.index !== this.nextIndex) {
      reason = missingIndex(this.nextIndex, row.index);
    } else {
      this.nextIndex++;
      const itemByte = itemByteOf(row);
      if (itemByte >= this.setup.share.from && itemByte < this.setup.share.to)
        reason = this.replayRow(row, leaves, leaf);
    }
    if (reason !== null) this.failed = true;
    return reason;
  }

  private replayRow(row: CopyRow, leaves: Buffer, leaf: number): string | null {
    if (!storedLeafIs(row, leaves, leaf)) return ALTERED;
    const { buf, canonical, canonicalEnd } = row;
    // Read where it lies when one pass over the bytes settles it, parsed otherwise (docs/ledger.md).
    const envelope = scanEnvelope(buf, canonical, canonicalEnd, this.view)
      ? this.view
      : envelopeOf(buf.toString('utf8', canonical, canonicalEnd));
    if (typeof envelope === 'string') return envelope;
    this.links.row = row;
    return this.replay.follow(envelope, leaves.toString('hex', leaf, leaf + HASH), this.links);
  }
}
