import { hash } from 'node:crypto';

/**
 * Ledger events read for verification with COPY in PostgreSQL's binary format: a row is its fields'
 * lengths and bytes, so nothing is formatted by PostgreSQL or parsed by pg, and each event's canonical
 * JSON is hashed and read from the bytes as they arrived.
 */

/** Up to `limit` events after global index `after`, in index order. Both are integers this module was given. */
export function eventCopy(after: number, limit: number): string {
  if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit))
    throw new RangeError('event COPY bounds must be integers');
  return `copy (select idx, item_id, item_seq, canonical, leaf_hash, prev_item_hash from ledger_events
                 where idx > ${after} order by idx limit ${limit}) to stdout (format binary)`;
}

const FIELDS = 6;
// The signature, the flags and the length of the header extension (which follows and is skipped).
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8;
export const HASH = 32;

/** Node's Buffer has it (write() calls it), but its types do not say so. */
type Latin1Writable = Buffer & { latin1Write(text: string, offset: number, length: number): number };

/**
 * One event as it lies in the bytes of the COPY: its global index and item sequence number, and where
 * its other fields' bytes lie (`buf[start, end)`). The reader hands the same object over for every row:
 * it is valid only during the call it is given to.
 */
export interface CopyRow {
  buf: Buffer;
  index: number;
  itemSeq: number;
  /** The item id's 16 bytes. */
  item: number;
  itemEnd: number;
  canonical: number;
  canonicalEnd: number;
  leafHash: number;
  leafHashEnd: number;
  /** -1 for null. */
  prevItemHash: number;
  prevItemHashEnd: number;
}

/** Where a uuid's text has a hyphen rather than two hex digits of a byte. */
const HYPHENS = [8, 13, 18, 23];
/** For each of a uuid's 16 bytes, where its two hex digits are in its text. */
const DIGITS_AT = Array.from({ length: 16 }, (_, j) => 2 * j + [4, 6, 8, 10].filter((first) => j >= first).length);

/** The row's item id, as PostgreSQL writes a uuid. */
export function itemIdOf(row: CopyRow): string {
  const hex = row.buf.toString('hex', row.item, row.itemEnd);
  if (hex.length !== 32) return hex;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The item id's first byte (0–255): which share of the items the row is in. */
export const itemByteOf = (row: CopyRow) => row.buf[row.item]!;

/**
 * Writes SHA-256(0x00 || the row's canonical bytes), its leaf hash, into `out` at `at`. The byte before
 * the canonical bytes is the last of their length field, already read: set to 0x00 for the while, it
 * makes the hash's input in place, with no copy, and the bytes are as they were after.
 */
export function writeLeaf(row: CopyRow, out: Buffer, at: number): void {
  const { buf, canonical } = row;
  const lengthByte = buf[canonical - 1]!;
  buf[canonical - 1] = 0x00;
  // A digest as a latin1 string and written is cheaper than one in a Buffer of its own; written by Buffer's
  // own latin1Write, without write()'s sorting out of its arguments.
  (out as Latin1Writable).latin1Write(
    hash('sha256', buf.subarray(canonical - 1, row.canonicalEnd), 'binary'),
    at,
    HASH,
  );
  buf[canonical - 1] = lengthByte;
}

/** Whether the row's stored leaf hash is the 32 bytes of `leaves` at `at`. */
export function storedLeafIs(row: CopyRow, leaves: Buffer, at: number): boolean {
  const { buf, leafHash } = row;
  if (row.leafHashEnd - leafHash !== HASH) return false;
  for (let j = 0; j < HASH; j++) if (buf[leafHash + j] !== leaves[at + j]) return false;
  return true;
}

/** Whether the row's previous item hash is `hex` (lower-case), or null when `hex` is. */
export function storedPrevIs(row: CopyRow, hex: string | null): boolean {
  const { buf, prevItemHash: at } = row;
  if (at < 0 || hex === null) return at < 0 && hex === null;
  if (2 * (row.prevItemHashEnd - at) !== hex.length) return false;
  for (let j = 0; j < hex.length; j += 2) {
    const byte = buf[at + j / 2]!;
    if (HEX_DIGITS[byte >> 4] !== hex.charCodeAt(j) || HEX_DIGITS[byte & 15] !== hex.charCodeAt(j + 1)) return false;
  }
  return true;
}

/** Whether the row's item id is `itemId`, as PostgreSQL writes a uuid (lower-case). */
export function storedItemIs(row: CopyRow, itemId: string): boolean {
  const { buf, item } = row;
  if (row.itemEnd - item !== 16 || itemId.length !== 36) return false;
  for (const h of HYPHENS) if (itemId.charCodeAt(h) !== 0x2d) return false;
  for (let j = 0; j < 16; j++) {
    const byte = buf[item + j]!;
    const at = DIGITS_AT[j]!;
    if (HEX_DIGITS[byte >> 4] !== itemId.charCodeAt(at) || HEX_DIGITS[byte & 15] !== itemId.charCodeAt(at + 1))
      return false;
  }
  return true;
}

/**
 * Splits the byte stream of one or more binary COPYs (one after another) into rows, however the chunks
 * cut them.
 */
export class EventCopyReader {
  private rest: Buffer | null = null;
  private inHeader = true;
  private readonly starts: number[] = new Array<number>(FIELDS);
  private readonly lengths: number[] = new Array<number>(FIELDS);
  private readonly row: CopyRow = {
    buf: Buffer.alloc(0),
    index: 0,
    itemSeq: 0,
    item: 0,
    itemEnd: 0,
    canonical: 0,
    canonicalEnd: 0,
    leafHash: 0,
    leafHashEnd: 0,
    prevItemHash: -1,
    prevItemHashEnd: -1,
  };

  /** Calls `each` for every row that `chunk` completes, in order. The bytes are left as they were. */
  read(chunk: Buffer, each: (row: CopyRow) => void): void {
    let at = 0;
    if (this.rest) {
      // Only the row cut by the chunk's start is put together in a buffer of its own, the bytes it needs
      // taken from the chunk in growing pieces: copying whole chunks cost more than reading them. Most rows
      // take one piece small enough for Node's pool of small buffers, which costs far less than a buffer
      // of its own.
      const rest = this.rest;
      for (let take = Math.min(chunk.length, 2048); ; take = Math.min(chunk.length, take * 4)) {
        const joined = Buffer.concat([rest, chunk.subarray(0, take)]);
        const next = this.step(joined, 0, each);
        if (next >= 0) {
          at = next - rest.length;
          break;
        }
        if (take === chunk.length) {
          this.rest = joined;
          return;
        }
      }
    }
    for (let next = this.step(chunk, at, each); next >= 0; next = this.step(chunk, at, each)) at = next;
    this.rest = at < chunk.length ? chunk.subarray(at) : null;
  }

  /**
   * Reads what starts at `at`: a COPY's header, its trailer, or a row (handed to `each`). Where the next thing
   * starts, or -1 when `buf` ends before this one does.
   */
  private step(buf: Buffer, at: number, each: (row: CopyRow) => void): number {
    if (this.inHeader) {
      if (buf.length - at < HEADER) return -1;
      if (!buf.subarray(at, at + SIGNATURE.length).equals(SIGNATURE))
        throw new Error('not a binary COPY of the ledger');
      const extension = buf.readUInt32BE(at + HEADER - 4);
      if (buf.length - at < HEADER + extension) return -1;
      this.inHeader = false;
      return at + HEADER + extension;
    }
    if (buf.length - at < 2) return -1;
    const fields = buf.readInt16BE(at);
    if (fields === -1) {
      // The trailer: what follows is the next COPY.
      this.inHeader = true;
      return at + 2;
    }
    if (fields !== FIELDS) throw new Error(`a ledger COPY row has ${fields} fields, not ${FIELDS}`);
    // Where each field's bytes start, and their lengths (-1 for null), once the whole row is here.
    const { starts, lengths, row } = this;
    let end = at + 2;
    for (let f = 0; f < FIELDS; f++) {
      if (buf.length - end < 4) return -1;
      lengths[f] = buf.readInt32BE(end);
      starts[f] = end + 4;
      end = starts[f]! + Math.max(lengths[f]!, 0);
      if (end > buf.length) return -1;
    }
    const [idx, item, seq, canonical, leafHash, prev] = starts as [number, number, number, number, number, number];
    row.buf = buf;
    row.index = buf.readUInt32BE(idx) * 2 ** 32 + buf.readUInt32BE(idx + 4);
    row.itemSeq = buf.readInt32BE(seq);
    row.item = item;
    row.itemEnd = item + lengths[1]!;
    row.canonical = canonical;
    row.canonicalEnd = canonical + Math.max(lengths[3]!, 0);
    row.leafHash = leafHash;
    row.leafHashEnd = leafHash + Math.max(lengths[4]!, 0);
    row.prevItemHash = lengths[5]! < 0 ? -1 : prev;
    row.prevItemHashEnd = lengths[5]! < 0 ? -1 : prev + lengths[5]!;
    each(row);
    return end;
  }
}

const HEX_DIGITS = Uint16Array.from(Buffer.from('0123456789abcdef'));

/** The leaf hashes of the rows that each chunk of the stream completes. */
export class LeafHasher {
  private readonly reader = new EventCopyReader();
  private scratch = Buffer.allocUnsafe(HASH * 4096);

  /**
   * The leaf hashes of the rows that `chunk` completes, 32 bytes each in row order, in a buffer of their
   * own. `each`, if given, is handed every row in the same pass, with the buffer its leaf hash is in (at
   * `leaf`) and its place among the chunk's rows.
   */
  add(chunk: Buffer, each?: (row: CopyRow, leaves: Buffer, leaf: number, at: number) => void): Buffer {
    let rows = 0;
    this.reader.read(chunk, (row) => {
      if ((rows + 1) * HASH > this.scratch.length) {
        const larger = Buffer.allocUnsafe(this.scratch.length * 2);
        this.scratch.copy(larger);
        this.scratch = larger;
      }
      writeLeaf(row, this.scratch, rows * HASH);
      each?.(row, this.scratch, rows * HASH, rows);
      rows++;
    });
    return Buffer.from(this.scratch.subarray(0, rows * HASH));
  }
}
