import { hash } from 'node:crypto';
import { checkCharacter, CODE_ALPHABET } from '../../src/custody/items/item-code';

/** The generator's randomness, ids and times: all from the seed, so that a seed gives the same centre. */

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const YEAR = 365 * DAY;

/** mulberry32: small, fast, and the same on every machine. */
export class Random {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }
  between(low: number, high: number): number {
    return low + this.next() * (high - low);
  }
}

/** A version-4-shaped UUID from the seed, a kind and a number: the same on every run, and never twice. */
export function uuid(seed: number, kind: string, n: number): string {
  const h = hash('sha256', `${seed}/${kind}/${n}`, 'hex');
  const variant = ((parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const BODY_SPACE = 32n ** 9n;
/** Item n's code: an odd multiplier modulo 32^9 (a bijection) spreads codes; the check character is the server's. */
export function itemCode(seed: number, n: number): string {
  let x = (BigInt(n) * 0x1b873593a5n + BigInt(seed) * 0x9e3779b1n) % BODY_SPACE;
  let body = '';
  for (let i = 0; i < 9; i++) {
    body = CODE_ALPHABET[Number(x % 32n)]! + body;
    x /= 32n;
  }
  return body + checkCharacter(body);
}

export const iso = (t: number) => new Date(t).toISOString();
