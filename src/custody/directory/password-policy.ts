import { ValidationError } from '../../errors';
import { COMMON_PASSWORDS } from './common-passwords';

export const MIN_PASSWORD_LENGTH = 12;

// Runs that people type as "random": the digits, the alphabet and the keyboard's rows, either way round.
const RUNS = [
  '0123456789',
  'abcdefghijklmnopqrstuvwxyz',
  'qwertyuiopasdfghjklzxcvbnm',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
].flatMap((run) => [run, [...run].reverse().join('')]);
const LEET: Record<string, string> = { '@': 'a', '4': 'a', '0': 'o', '1': 'i', '3': 'e', $: 's', '5': 's', '7': 't' };

const normalize = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');

/** Whether `text` is a stretch of one of the runs, wrapping round (`890123`). */
function isRun(text: string): boolean {
  return RUNS.some((run) => run.repeat(Math.ceil(text.length / run.length) + 1).includes(text));
}

function isCommon(text: string): boolean {
  // `Password2026!` and `!!iloveyou` are listed words with digits and symbols added at the ends; `p@ssw0rd`
  // one with letters written as digits or symbols.
  const core = text.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const plain = [...core].map((c) => LEET[c] ?? c).join('');
  // `correct-horse-battery-staple`: separators between the words.
  const joined = (t: string) => t.replace(/[^\p{L}\p{N}]+/gu, '');
  return [text, core, plain, joined(core), joined(plain)].some((candidate) => COMMON_PASSWORDS.has(candidate));
}

/**
 * Why `password` may not be `username`'s password, or null when it may. Refuses the short, the trivial
 * (a few characters repeated, a run of the keyboard or the alphabet), the username, and the common
 * passwords shipped in the repository; beyond that, length is what makes a password strong.
 */
export function passwordWeakness(password: string, username: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  const text = normalize(password);
  if (new Set(text).size < 5) return 'must not be one or a few characters repeated';
  if (isRun(text)) return 'must not be a run of the keyboard, the alphabet or the digits';
  // A short username (`li`) is part of too many good passwords to refuse every one that contains it.
  const name = normalize(username);
  if (name.length >= 4 && (text.includes(name) || text.includes([...name].reverse().join(''))))
    return 'must not contain the username';
  if (isCommon(text)) return 'is one of the most common passwords: choose another';
  return null;
}

/** Throws a ValidationError naming `field` if the password is refused by the policy. */
export function checkPassword(password: string, username: string, field: string): void {
  const weakness = passwordWeakness(password, username);
  if (weakness) throw new ValidationError(`body ${field}: ${weakness}`, [{ in: 'body', field, detail: weakness }]);
}
