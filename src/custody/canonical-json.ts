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

function keysSorted(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(keysSorted);
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return keys.every((key) => keysSorted((value as Record<string, unknown>)[key]));
}

/**
 * Whether `text` is the canonical form of the `value` parsed from it. JCS differs from ECMAScript's own
 * JSON.stringify only in the order of keys, so this is the native serializer plus a check of key order:
 * several times faster than re-serializing, which matters when a whole ledger is verified.
 */
export function isCanonical(value: Json, text: string): boolean {
  return JSON.stringify(value) === text && keysSorted(value);
}
