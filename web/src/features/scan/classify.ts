import { readItemCode, type ItemCodeReading } from '../../../../src/custody/items/item-code-rules';

export type Scan =
  | { kind: 'item'; code: string }
  | { kind: 'location'; code: string }
  | { kind: 'typo'; reading: Exclude<ItemCodeReading, { ok: true }> }
  | { kind: 'unreadable' };

/** What the server takes as a location code (custody.schemas.ts); a location label encodes just that. */
const LOCATION_CODE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;

// Shaped like an item code: ten characters, or the printed groups (4-4-2) give or take a character, as a
// misread or a slip of the hand leaves it. Such a scan is an item code or a refusal, never a location, so
// that a typo is never matched to anything else.
const ITEM_SHAPED = [/^[0-9A-Z]{10}$/, /^[0-9A-Z]{3,5}-[0-9A-Z]{3,5}-[0-9A-Z]{1,3}$/];

/**
 * Classifies a scan on the client, with the server's own item-code rules, before anything is asked:
 * an item code, a location label, or a refusal that says why.
 */
export function classifyScan(raw: string): Scan {
  const text = raw.trim().toUpperCase();
  const reading = readItemCode(text);
  if (reading.ok) return { kind: 'item', code: reading.code };
  const compact = text.replace(/\s/g, '');
  if (ITEM_SHAPED.some((shape) => shape.test(compact))) return { kind: 'typo', reading };
  if (LOCATION_CODE.test(text)) return { kind: 'location', code: text };
  return { kind: 'unreadable' };
}
