/**
 * Item codes (一物一码): nine random characters and a check character from Crockford's base-32 alphabet,
 * which leaves out I, L, O and U so that a code read aloud or typed from a worn label is not misread.
 * The check character follows Damm's algorithm over the quasigroup x∘y = 2·x ⊕ y in GF(32), which is totally
 * anti-symmetric: any single wrong character and any swap of two different neighbours is refused (Luhn mod 32
 * would let 0↔Z swaps through).
 *
 * This module imports nothing, so that the console checks a scanned code with the very same rules as the
 * server before it asks the server anything.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const BODY_LENGTH = 9;
export const CODE_LENGTH = BODY_LENGTH + 1;

/** Multiplication by 2 (the polynomial x) in GF(2^5) modulo x^5 + x^2 + 1. */
const times2 = (v: number) => ((v << 1) ^ (v & 0x10 ? 0x25 : 0)) & 0x1f;

function dammInterim(chars: string): number {
  let interim = 0;
  for (const c of chars) interim = times2(interim) ^ CODE_ALPHABET.indexOf(c);
  return interim;
}

export function checkCharacter(body: string): string {
  return CODE_ALPHABET[times2(dammInterim(body))]!;
}

/** Shown and printed in groups, e.g. `7K3M-9QX2-PA`, which people read back more reliably. */
export function formatItemCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export type ItemCodeReading =
  | { ok: true; code: string }
  | { ok: false; reason: 'length'; length: number }
  | { ok: false; reason: 'character'; character: string }
  | { ok: false; reason: 'check' };

/**
 * Reads a code as people type it (any case, hyphens and spaces, O for 0, I or L for 1): its canonical form, or
 * why it is not an item code. A code with a wrong check character is never matched to another item.
 */
export function readItemCode(input: string): ItemCodeReading {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== CODE_LENGTH) return { ok: false, reason: 'length', length: code.length };
  const wrong = [...code].find((c) => !CODE_ALPHABET.includes(c));
  if (wrong) return { ok: false, reason: 'character', character: wrong };
  if (dammInterim(code) !== 0) return { ok: false, reason: 'check' };
  return { ok: true, code };
}
