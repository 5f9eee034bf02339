/**
 * RFC 8785 (JCS) canonical JSON. Object keys are sorted by UTF-16 code units, which is what Array#sort does
 * for strings; strings and numbers are serialized exactly as ECMAScript's JSON.stringify does, as JCS requires.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('JCS cannot encode a non-finite number');
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
 * whole ledger is verified); what that pass leaves open (\u escapes, surrogates, keys that start with a
 * digit, which JavaScript orders as numbers) is settled by serializing.
 */
export function isCanonical(value: Json, text: string): boolean {
  return scanCanonical(text) ?? canonicalJson(value) === text;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The characters after a backslash that JSON.stringify writes: " \ b f n r t (never \/). */
const SHORT_ESCAPES = new Set([0x22, 0x5c, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const inNumber = (c: number) => isDigit(c) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;

/**
 * One pass over `text`, which must be valid JSON: false when it has whitespace between tokens, a string or a
 * number not written as JSON.stringify writes it, or an object's keys not in strictly ascending order
 * (which also refuses a key given twice); true when none of that and nothing left open; null when it
 * leaves the answer to serializing.
 */
function scanCanonical(text: string): boolean | null {
  // Per open object, its last key so far (undefined before the first); per open array, null.
  const lastKeys: (string | undefined | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(j); d !== QUOTE; d = text.charCodeAt(j)) {
        if (d === BACKSLASH) {
          const e = text.charCodeAt(j + 1);
          if (e === 0x75) return null;
          if (!SHORT_ESCAPES.has(e)) return false;
          escaped = true;
          j += 2;
        } else {
          if (d >= 0xd800 && d <= 0xdfff) return null;
          j += 1;
        }
      }
      if (expectKey) {
        const key = text.slice(i + 1, j);
        if (escaped || isDigit(key.charCodeAt(0))) return null;
        const last = lastKeys[lastKeys.length - 1];
        if (last !== undefined && !(last! < key)) return false;
        lastKeys[lastKeys.length - 1] = key;
        expectKey = false;
      }
      i = j + 1;
    } else if (c === 0x7b) {
      lastKeys.push(undefined);
      expectKey = true;
      i += 1;
    } else if (c === 0x5b) {
      lastKeys.push(null);
      i += 1;
    } else if (c === 0x7d || c === 0x5d) {
      lastKeys.pop();
      i += 1;
    } else if (c === 0x2c) {
      expectKey = lastKeys[lastKeys.length - 1] !== null;
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
