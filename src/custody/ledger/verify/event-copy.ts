import { hash } from 'node:crypto';

/**
 * Ledger events read for verification with COPY in PostgreSQL's binary format: a row is its fields'
 * lengths and bytes, so nothing is formatted by PostgreSQL or parsed by pg, and each event's canonical
 * JSON is hashed from the bytes as they arrived.
 */

/** Up to `limit` events after global index `after`, in index order. Both are integers this module was given. */
export function eventCopy(after: number, limit: number): string {
  if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit))
    throw new RangeError('event COPY bounds must be integers');
  return `copy (select idx, item_id::text, item_seq, canonical, leaf_hash, prev_item_hash from ledger_events
                 where idx > ${after} order by idx limit ${limit}) to stdout (format binary)`;
}

const FIELDS = 6;
// The signature, the flags and the length of the header extension (which follows and is skipped).
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8;

/**
 * One event as read: what the row says, with its canonical JSON's leaf hash computed from its bytes. The
 * hashes are in hex, as the chain and the items rows need them: a digest as a string costs half what one
 * in a Buffer of its own does.
 */
export interface CopiedEvent {
  index: number;
  itemId: string;
  itemSeq: number;
  canonical: string;
  /** SHA-256(0x00 || canonical bytes), as recomputed. */
  leaf: string;
  /** The leaf hash the row stores. */
  leafHash: string;
  prevItemHash: string | null;
}

/**
 * Splits the byte stream of one or more binary COPYs (one after another) into rows, however the chunks
 * cut them. The first two hex digits of each item id are given before the rest is decoded, so that a
 * reader that owns only some items skips the others cheaply.
 */
export class EventCopyReader {
  private rest: Buffer | null = null;
  private inHeader = true;
  private readonly starts: number[] = new Array(FIELDS);
  private readonly lengths: number[] = new Array(FIELDS);
  /** The row being handed to `row`: its buffer and where its item id lies. */
  private current: { buf: Buffer; item: number; itemEnd: number } = { buf: Buffer.alloc(0), item: 0, itemEnd: 0 };

  /**
   * Calls `row` for each row that `chunk` completes, in order, with its global index. `wanted` says
   * whether a row is decoded, by the number of its item id's first two hex digits (0–255); the others get
   * `null` for the event. Changes bytes of `chunk`: it must not be read again.
   */
  read(
    chunk: Buffer,
    wanted: (itemByte: number) => boolean,
    row: (index: number, event: CopiedEvent | null) => void,
  ): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (this.inHeader) {
        if (buf.length - at < HEADER) break;
        if (!buf.subarray(at, at + SIGNATURE.length).equals(SIGNATURE))
          throw new Error('not a binary COPY of the ledger');
        const extension = buf.readUInt32BE(at + HEADER - 4);
        if (buf.length - at < HEADER + extension) break;
        at += HEADER + extension;
        this.inHeader = false;
      }
      if (buf.length - at < 2) break;
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        // The trailer: what follows is the next COPY.
        at += 2;
        this.inHeader = true;
        continue;
      }
      if (fields !== FIELDS) throw new Error(`a ledger COPY row has ${fields} fields, not ${FIELDS}`);
      // Where each field's bytes start, and their lengths (-1 for null), once the whole row is here.
      const { starts, lengths } = this;
      let end = at + 2;
      let f = 0;
      for (; f < FIELDS && buf.length - end >= 4; f++) {
        lengths[f] = buf.readInt32BE(end);
        starts[f] = end + 4;
        end = starts[f]! + Math.max(lengths[f]!, 0);
        if (end > buf.length) break;
      }
      if (f < FIELDS) break;
      at = end;
      const [idx, item, seq, canonical, leafHash, prev] = starts as [number, number, number, number, number, number];
      const index = buf.readUInt32BE(idx) * 2 ** 32 + buf.readUInt32BE(idx + 4);
      this.current = { buf, item, itemEnd: item + lengths[1]! };
      if (!wanted(hexByte(buf, item))) {
        row(index, null);
        continue;
      }
      // The leaf is SHA-256(0x00 || bytes). The byte before the canonical bytes is the last of their length
      // field, already read: set to 0x00, it makes the hash's input in place, with no copy.
      buf[canonical - 1] = 0x00;
      row(index, {
        index,
        itemId: this.itemId(),
        itemSeq: buf.readInt32BE(seq),
        canonical: buf.toString('utf8', canonical, canonical + lengths[3]!),
        leaf: hash('sha256', buf.subarray(canonical - 1, canonical + lengths[3]!), 'hex'),
        leafHash: buf.toString('hex', leafHash, leafHash + lengths[4]!),
        prevItemHash: lengths[5]! < 0 ? null : buf.toString('hex', prev, prev + lengths[5]!),
      });
    }
    this.rest = at < buf.length ? buf.subarray(at) : null;
  }

  /** The item id of the row being handed to `row`. */
  itemId(): string {
    const { buf, item, itemEnd } = this.current;
    return buf.toString('latin1', item, itemEnd);
  }
}

const hexDigit = (c: number) => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
const hexByte = (buf: Buffer, at: number) => hexDigit(buf[at]!) * 16 + hexDigit(buf[at + 1]!);
