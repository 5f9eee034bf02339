import type { ItemState } from '../../items/projection';

/**
 * The items rows against the replayed states, read as COPY's text of the select list that reads a row back
 * as the ledger's strings (ITEM_SELECT, in id order): a row's line is compared with the line its item's
 * state would be written as, and only a line that differs is parsed, as pg parses a row, and compared
 * field by field as compareItemRows compares. So a share of the items reads every line and checks its own,
 * and nothing but the line of a row that differs becomes an object.
 */

/** Rows read, and the first of a share's rows (in id order) that differs from its item's replay or names none. */
export interface ItemRowsOutcome {
  rows: number;
  mismatch: { itemId: string; code: string; field: string } | null;
}

const NEWLINE = 0x0a;
const TAB_BYTE = 0x09;
const TAB = '\t';
const NULL = '\\N';

// COPY's text format writes a backslash, and these control characters, as escapes (PostgreSQL's
// CopyAttributeOutText); any other character as itself.
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};
const UNESCAPES = new Map(Object.entries(ESCAPES).map(([c, escaped]) => [escaped[1]!, c]));
const TO_ESCAPE = /[\\\b\f\n\r\t\v]/g;
const NEEDS_ESCAPE = /[\\\b\f\n\r\t\v]/;

/** An array element as PostgreSQL's array_out writes it: quoted when it is empty, NULL, or holds these. */
const arrayElement = (text: string) =>
  text === '' || text.toLowerCase() === 'null' || /[",\\{} \t\n\r\v\f]/.test(text)
    ? `"${text.replace(/["\\]/g, '\\$&')}"`
    : text;

/** A state's value as its column's output function writes it (before COPY's escapes). */
function columnText(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Array.isArray(value)) return `{${(value as string[]).map(arrayElement).join(',')}}`;
  return String(value);
}

/** The line COPY writes for a row holding `state`, its columns being `keys`. */
export function copyLineOf(state: ItemState, keys: readonly (keyof ItemState)[]): string {
  let line = '';
  // The texts alone, to find at once whether any needs an escape (hardly any does).
  let texts = '';
  for (let k = 0; k < keys.length; k++) {
    const text = columnText(state[keys[k]!]);
    if (k > 0) line += TAB;
    if (text === null) {
      line += NULL;
    } else {
      line += text;
      texts += text;
    }
  }
  if (!NEEDS_ESCAPE.test(texts)) return line;
  return keys
    .map((key) => {
      const text = columnText(state[key]);
      return text === null ? NULL : text.replace(TO_ESCAPE, (c) => ESCAPES[c]!);
    })
    .join(TAB);
}

/**
 * Where `text` ends if buf holds its UTF-8 from `at` (before `end`), compared without decoding; -1 if it
 * does not, or if `text` has a character COPY escapes (such a line is compared as a whole).
 */
function utf8End(text: string, buf: Buffer, at: number, end: number): number {
  let i = at;
  for (let j = 0; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c < 0x80) {
      if (c < 0x20 || c === 0x5c || i >= end || buf[i] !== c) return -1;
      i += 1;
    } else if (c < 0x800) {
      if (i + 2 > end || buf[i] !== (0xc0 | (c >> 6)) || buf[i + 1] !== (0x80 | (c & 0x3f))) return -1;
      i += 2;
    } else if (c < 0xd800 || c > 0xdfff) {
      if (
        i + 3 > end ||
        buf[i] !== (0xe0 | (c >> 12)) ||
        buf[i + 1] !== (0x80 | ((c >> 6) & 0x3f)) ||
        buf[i + 2] !== (0x80 | (c & 0x3f))
      )
        return -1;
      i += 3;
    } else {
      // A surrogate pair: its code point's four bytes, or -1 for a lone half (no row holds one).
      const low = text.charCodeAt(j + 1);
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return -1;
      const p = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      if (
        i + 4 > end ||
        buf[i] !== (0xf0 | (p >> 18)) ||
        buf[i + 1] !== (0x80 | ((p >> 12) & 0x3f)) ||
        buf[i + 2] !== (0x80 | ((p >> 6) & 0x3f)) ||
        buf[i + 3] !== (0x80 | (p & 0x3f))
      )
        return -1;
      i += 4;
      j++;
    }
  }
  return i;
}

/**
 * Whether buf[at, end) is, byte for byte, the line of a row holding `values` with no escape in it:
 * compared field by field where it lies, only a field of other scripts decoded. False also for a line with
 * escapes, which is then compared as a whole.
 */
function writtenAs(values: unknown[], buf: Buffer, at: number, end: number): boolean {
  let pos = at;
  for (let k = 0; k < values.length; k++) {
    const last = k === values.length - 1;
    const text = columnText(values[k]);
    let next: number;
    if (text === null) {
      if (end - pos < 2 || buf[pos] !== 0x5c || buf[pos + 1] !== 0x4e) return false;
      next = pos + 2;
    } else {
      next = utf8End(text, buf, pos, end);
      if (next < 0) return false;
    }
    if (last ? next !== end : next >= end || buf[next] !== TAB_BYTE) return false;
    pos = next + 1;
  }
  return true;
}

/** A field of a line, unescaped: the text the column's output function wrote, or null. */
function fieldText(field: string): string | null {
  if (field === NULL) return null;
  return field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => UNESCAPES.get(c) ?? c) : field;
}

/** A one-dimensional text array's literal as pg parses it. */
function parseTextArray(literal: string): (string | null)[] {
  const elements: (string | null)[] = [];
  for (let i = 1; i < literal.length - 1; i++) {
    let element = '';
    if (literal[i] === '"') {
      for (i++; literal[i] !== '"'; i++) element += literal[i] === '\\' ? literal[++i] : literal[i];
      i++;
      elements.push(element);
    } else {
      for (; literal[i] !== ',' && i < literal.length - 1; i++) element += literal[i];
      elements.push(element.toLowerCase() === 'null' ? null : element);
    }
  }
  return elements;
}

/** A field as pg gives the column (int4 as a number, bool as a boolean, text[] as an array), by the state's value. */
function parsedAs(replayed: unknown, text: string | null): unknown {
  if (text === null) return null;
  if (typeof replayed === 'number') return parseInt(text, 10);
  if (typeof replayed === 'boolean') return text === 't';
  if (Array.isArray(replayed)) return parseTextArray(text);
  return text;
}

/** The first of `state`'s fields, in its own order, that the line's differs from (as compareItemRows finds it). */
function differingField(state: ItemState, keys: readonly (keyof ItemState)[], fields: string[]): string | null {
  const field = (key: keyof ItemState) => {
    const k = keys.indexOf(key);
    return k < 0 ? undefined : parsedAs(state[key], fieldText(fields[k]!));
  };
  return (
    (Object.keys(state) as (keyof ItemState)[]).find(
      (key) => JSON.stringify(state[key]) !== JSON.stringify(field(key)),
    ) ?? null
  );
}

/** Checks the items rows of one share of the items against its replayed states. */
export class ItemRowCheck {
  private rest: Buffer | null = null;
  private rows = 0;
  private mismatch: ItemRowsOutcome['mismatch'] = null;

  /**
   * `keys`: the state's keys in the order of the columns; `owns` says by the number of an item id's first
   * two hex digits whether it is this share's.
   */
  constructor(
    private readonly keys: readonly (keyof ItemState)[],
    private readonly items: ReadonlyMap<string, ItemState>,
    private readonly owns: (itemByte: number) => boolean,
  ) {
    if (keys[0] !== 'id') throw new Error('the items rows are read with their id first');
  }

  /** Checks the rows whose lines `chunk` completes. */
  add(chunk: Buffer): void {
    let at = 0;
    if (this.rest) {
      const end = chunk.indexOf(NEWLINE);
      if (end < 0) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return;
      }
      this.line(Buffer.concat([this.rest, chunk.subarray(0, end)]), 0, this.rest.length + end);
      at = end + 1;
    }
    for (let end = chunk.indexOf(NEWLINE, at); end >= 0; at = end + 1, end = chunk.indexOf(NEWLINE, at)) {
      this.line(chunk, at, end);
    }
    this.rest = at < chunk.length ? chunk.subarray(at) : null;
  }

  /** Rows read, and this share's first that differs. */
  outcome(): ItemRowsOutcome {
    return { rows: this.rows, mismatch: this.mismatch };
  }

  private line(buf: Buffer, at: number, end: number): void {
    this.rows++;
    if (this.mismatch || !this.owns(hexDigit(buf[at]!) * 16 + hexDigit(buf[at + 1]!))) return;
    const idEnd = buf.indexOf(TAB_BYTE, at);
    const state = this.items.get(buf.toString('utf8', at, idEnd < 0 || idEnd > end ? end : idEnd));
    // A state's values in the order its keys were made, which is the columns' (register in projection.ts):
    // were it not, rows would only be compared the slower way below.
    if (state && writtenAs(Object.values(state), buf, at, end)) return;
    // Escapes, or a row that differs: the line as a whole, and then field by field.
    const line = buf.toString('utf8', at, end);
    if (state && line === copyLineOf(state, this.keys)) return;
    const fields = line.split(TAB);
    const field = state ? differingField(state, this.keys, fields) : 'id';
    if (field) {
      const [id, code] = [fields[this.keys.indexOf('id')]!, fields[this.keys.indexOf('code')]!].map(fieldText);
      this.mismatch = { itemId: id!, code: code!, field };
    }
  }
}

const hexDigit = (c: number) => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
