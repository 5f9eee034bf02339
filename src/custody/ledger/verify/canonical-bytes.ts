/**
 * One pass over JSON text as bytes (UTF-8, as the ledger's COPY gives it) that says whether it is beyond
 * doubt canonical, for envelope-bytes.ts: nothing is decoded, and what the pass cannot settle is left to
 * JSON.parse and isCanonical (canonical-json.ts), so that it never accepts a text they would refuse.
 */

export const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
export const NULL = Buffer.from('null');

export const matches = (buf: Uint8Array, at: number, end: number, expected: Uint8Array): boolean => {
  if (end - at < expected.length) return false;
  for (let j = 0; j < expected.length; j++) if (buf[at + j] !== expected[j]) return false;
  return true;
};

/**
 * Where the string whose opening quote is just before `at` ends (after its closing quote), or -1 for an
 * escape or a control character. Bytes of other scripts need no look: UTF-8 never uses an ASCII byte inside a
 * character, Node's decoder gives every malformed sequence as U+FFFD without taking the quote after it, and
 * JSON.stringify writes every character it can give as itself.
 */
export function stringEnd(buf: Uint8Array, at: number, end: number): number {
  for (let j = at; j < end; j++) {
    const c = buf[j]!;
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

// Per open container of canonicalValueEnd: which kind, and for an object where its last key lies.
const MAX_DEPTH = 64;
const openers = new Uint8Array(MAX_DEPTH);
const keyStarts = new Int32Array(MAX_DEPTH);
const keyEnds = new Int32Array(MAX_DEPTH);

/**
 * Reads the key at `at` of the object open at `depth`: where its value starts, or -1 for a key that is not
 * plain ASCII (none is in an envelope), starts with a digit (JavaScript orders those as numbers), or is
 * not strictly after the object's previous key (which also refuses a key given twice).
 */
function keyEnd(buf: Uint8Array, at: number, end: number, depth: number): number {
  if (at >= end || buf[at] !== QUOTE) return -1;
  const start = at + 1;
  let j = start;
  for (; j < end; j++) {
    const c = buf[j]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH || c < 0x20 || c > 0x7f) return -1;
  }
  if (j + 1 >= end || buf[j + 1] !== COLON) return -1;
  if (j > start && buf[start]! >= 0x30 && buf[start]! <= 0x39) return -1;
  const previous = keyStarts[depth]!;
  if (previous >= 0) {
    const previousLength = keyEnds[depth]! - previous;
    let order = 0;
    for (let k = 0; order === 0 && k < previousLength && start + k < j; k++)
      order = buf[start + k]! - buf[previous + k]!;
    if (order < 0 || (order === 0 && j - start <= previousLength)) return -1;
  }
  keyStarts[depth] = start;
  keyEnds[depth] = j;
  return j + 2;
}

/**
 * Where the JSON value starting at `at` ends, when its bytes are beyond doubt canonical: objects with keys
 * in strictly ascending order, strings without escapes, true, false and null, no whitespace. -1 when they
 * are not, or when this pass leaves the answer to serializing (numbers, escapes, the keys keyEnd refuses,
 * nesting deeper than any event's). `members`, if given, is told where each member of the value (an
 * object) lies: its key's start and end, its value's start and end, four numbers a member.
 */
export function canonicalValueEnd(buf: Uint8Array, at: number, end: number, members?: number[]): number {
  let depth = 0;
  let i = at;
  for (;;) {
    // A value starts at i.
    if (i >= end) return -1;
    const c = buf[i];
    if (c === QUOTE) {
      i = stringEnd(buf, i + 1, end);
      if (i < 0) return -1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (i + 1 < end && buf[i + 1] === close) {
        i += 2;
      } else {
        if (depth === MAX_DEPTH) return -1;
        openers[depth] = c;
        keyStarts[depth] = -1;
        i = c === OPEN_OBJECT ? keyEnd(buf, i + 1, end, depth) : i + 1;
        if (i < 0) return -1;
        if (depth === 0) members?.push(keyStarts[0]!, keyEnds[0]!, i);
        depth++;
        continue;
      }
    } else if (c === 0x74 && matches(buf, i, end, TRUE)) {
      i += 4;
    } else if (c === 0x6e && matches(buf, i, end, NULL)) {
      i += 4;
    } else if (c === 0x66 && matches(buf, i, end, FALSE)) {
      i += 5;
    } else {
      return -1;
    }
    // A value ended at i: the containers it closes, then the next member's start.
    for (;;) {
      if (depth === 0) return i;
      if (i >= end) return -1;
      if (depth === 1) members?.push(i);
      const inObject = openers[depth - 1] === OPEN_OBJECT;
      const next = buf[i];
      if (next === COMMA) {
        i = inObject ? keyEnd(buf, i + 1, end, depth - 1) : i + 1;
        if (i < 0) return -1;
        if (depth === 1) members?.push(keyStarts[0]!, keyEnds[0]!, i);
        break;
      }
      if (next !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return -1;
      i++;
      depth--;
    }
  }
}
