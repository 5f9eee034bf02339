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
    const line = buf.toString('utf8', at, end);
    const state = this.items.get(line.slice(0, line.indexOf(TAB)));
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
