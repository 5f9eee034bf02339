/**
 * RFC 8785 (JCS) canonical JSON. Object keys are sorted by UTF-16 code units, which is what Array#sort does
 * for strings; strings and numbers are serialized exactly as ECMAScript's JSON.stringify does, as JCS requires.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('JCS cannot encode a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
}

/**
 * Whether `text` is the canonical form of `value`, the value JSON.parse gave for it. Most events are told
 * by one pass over the text, several times faster than serializing the value again (which matters when a
 * whole ledger is verified); what that pass leaves open (escapes, surrogates, keys that start with a digit,
 * which JavaScript orders as numbers) is settled by serializing.
 */
export function isCanonical(value: Json, text: string): boolean {
  return scanCanonical(text) ?? canonicalJson(value) === text;
}

const QUOTE = 0x22;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const inNumber = (c: number) => isDigit(c) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
/** A backslash (an escape) or a UTF-16 surrogate: texts with either are left to serializing. */
const ESCAPE_OR_SURROGATE = /[\\\ud800-\udfff]/;

/** Compares text[a, aEnd) with text[b, bEnd) by UTF-16 code units, as `<` compares strings. */
function compareRanges(text: string, a: number, aEnd: number, b: number, bEnd: number): number {
  for (let k = 0; a + k < aEnd && b + k < bEnd; k++) {
    const diff = text.charCodeAt(a + k) - text.charCodeAt(b + k);
    if (diff !== 0) return diff;
  }
  return aEnd - a - (bEnd - b);
}

/**
 * One pass over `text`, which must be valid JSON: false when it has whitespace between tokens, a number not
 * written as JSON.stringify writes it, or an object's keys not in strictly ascending order (which also
 * refuses a key given twice); true when none of that; null when it leaves the answer to serializing. With
 * no escape and no surrogate, every string is written as JSON.stringify writes it, and ends at the next
 * quote.
 */
function scanCanonical(text: string): boolean | null {
  if (ESCAPE_OR_SURROGATE.test(text)) return null;
  // Per open container, where its last key lies in the text, [start, end): for an object, start is -1
  // before its first key; for an array, -2. Keys are compared where they lie, with no string made.
  const keyStarts: number[] = [];
  const keyEnds: number[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const j = text.indexOf('"', i + 1);
      if (expectKey) {
        if (isDigit(text.charCodeAt(i + 1))) return null;
        const top = keyStarts.length - 1;
        if (keyStarts[top] !== -1 && compareRanges(text, keyStarts[top]!, keyEnds[top]!, i + 1, j) >= 0) return false;
        keyStarts[top] = i + 1;
        keyEnds[top] = j;
        expectKey = false;
      }
      i = j + 1;
    } else if (c === 0x7b || c === 0x5b) {
      keyStarts.push(c === 0x7b ? -1 : -2);
      keyEnds.push(0);
      expectKey = c === 0x7b;
      i += 1;
    } else if (c === 0x7d || c === 0x5d) {
      keyStarts.pop();
      keyEnds.pop();
      i += 1;
    } else if (c === 0x2c) {
      expectKey = keyStarts[keyStarts.length - 1] !== -2;
      i += 1;
    } else if (c === 0x3a) {
      i += 1;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      i += c === 0x66 ? 5 : 4;
    } else if (isDigit(c) || c === 0x2d) {
      let j = i + 1;
      while (j < text.length && inNumber(text.charCodeAt(j))) j += 1;
      const token = text.slice(i, j);
      if (String(Number(token)) !== token) return false;
      i = j;
    } else {
      return false;
    }
  }
  return true;
}
