/**
 * Characters that no text in a custody record may hold. PostgreSQL cannot store U+0000 nor a lone UTF-16
 * surrogate (no UTF-8 encodes it); control characters and the bidirectional controls make a label, a
 * report or a screen read differently from what is stored (U+202E shows "gpj.exe" as "exe.jpg"). Tab,
 * line feed and carriage return are ordinary text.
 */
const CONTROL = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f';
const BIDI = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[${CONTROL}${BIDI}]`, 'u');
const IS_CONTROL = new RegExp(`^[${CONTROL}]$`, 'u');
const LONE_SURROGATE = /\p{Cs}/u;

const codePoint = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with `text`, or null when it may be recorded. */
export function unsafeTextReason(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return 'holds a lone UTF-16 surrogate, which is not a character';
  const found = UNSAFE.exec(text)?.[0];
  if (!found) return null;
  const kind = IS_CONTROL.test(found) ? 'a control character' : 'a bidirectional control';
  return `holds ${kind} (${codePoint(found)}), which no record may contain`;
}

/**
 * The first text in `value` (names of fields included, at any depth) that may not be recorded: its path in
 * the dotted form of the validation errors, and why. Walked with a stack of its own, so that no depth of
 * nesting that JSON.parse accepted can overflow the call stack.
 */
export function findUnsafeText(value: unknown): { field: string; detail: string } | null {
  // Each path is kept as a link to its parent's, so that deep nesting costs no copies.
  type Path = { key: string; parent: Path } | null;
  const field = (path: Path) => {
    const keys: string[] = [];
    for (let at = path; at; at = at.parent) keys.push(visibleText(at.key));
    return keys.reverse().join('.') || '(root)';
  };
  const pending: [unknown, Path][] = [[value, null]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [current, path] = next;
    if (typeof current === 'string') {
      const detail = unsafeTextReason(current);
      if (detail) return { field: field(path), detail };
    } else if (current && typeof current === 'object') {
      const entries = Array.isArray(current)
        ? current.map((inner, i) => [String(i), inner] as const)
        : Object.entries(current);
      // Pushed in reverse, so that the first field is reported first.
      for (const [key, inner] of entries.reverse()) {
        const nameReason = unsafeTextReason(key);
        if (nameReason) return { field: field({ key, parent: path }), detail: `its name ${nameReason}` };
        pending.push([inner, { key, parent: path }]);
      }
    }
  }
  return null;
}

const UNSAFE_ALL = new RegExp(`[${CONTROL}${BIDI}]|\\p{Cs}`, 'gu');

/**
 * Text as a label or report may show it, on one line: what `unsafeTextReason` refuses becomes its code point
 * in brackets (e.g. [U+202E]), so that a record made before the check, or by a path that skipped it, can
 * never print as something it is not.
 */
export function visibleText(text: string): string {
  return text.replace(/[\t\n\r]/g, ' ').replace(UNSAFE_ALL, (character) => `[${codePoint(character)}]`);
}
