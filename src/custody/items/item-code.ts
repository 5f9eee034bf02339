import { randomInt } from 'node:crypto';
import { ValidationError } from '../../errors';

/**
 * Item codes (一物一码): nine random characters and a check character from Crockford's base-32 alphabet,
 * which leaves out I, L, O and U so that a code read aloud or typed from a worn label is not misread.
 * The check character follows Damm's algorithm over the quasigroup x∘y = 2·x ⊕ y in GF(32), which is totally
 * anti-symmetric: any single wrong character and any swap of two different neighbours is refused (Luhn mod 32
 * would let 0↔Z swaps through).
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY_LENGTH = 9;
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

export function generateItemCode(): string {
  let body = '';
  for (let i = 0; i < BODY_LENGTH; i++) body += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return body + checkCharacter(body);
}

/** Shown and printed in groups, e.g. `7K3M-9QX2-PA`, which people read back more reliably. */
export function formatItemCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/**
 * Accepts a code as people type it (any case, hyphens and spaces, O for 0, I or L for 1) and returns its
 * canonical form, or refuses it with a reason; a code with a wrong check character never reaches a lookup.
 */
export function parseItemCode(input: string): string {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== CODE_LENGTH) {
    throw new ValidationError(`item code "${input}" must have ${CODE_LENGTH} characters`);
  }
  const wrong = [...code].find((c) => !CODE_ALPHABET.includes(c));
  if (wrong) throw new ValidationError(`item code "${input}" contains "${wrong}", which item codes never use`);
  if (dammInterim(code) !== 0) {
    throw new ValidationError(`item code "${input}" has a wrong check character: it was mistyped or misread`);
  }
  return code;
}
