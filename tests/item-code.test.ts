import fc from 'fast-check';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  checkCharacter,
  formatItemCode,
  generateItemCode,
  parseItemCode,
} from '../src/custody/items/item-code';
import { ValidationError } from '../src/errors';

const body = fc
  .array(fc.constantFrom(...CODE_ALPHABET), { minLength: CODE_LENGTH - 1, maxLength: CODE_LENGTH - 1 })
  .map((cs) => cs.join(''));
const code = body.map((b) => b + checkCharacter(b));

describe('item codes', () => {
  test('generated codes are well-formed and parse to themselves', () => {
    for (let i = 0; i < 200; i++) {
      const c = generateItemCode();
      expect(c).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`));
      expect(parseItemCode(c)).toBe(c);
    }
  });

  test("people's spellings (lower case, hyphens, O for 0, I and L for 1) are accepted", () => {
    fc.assert(
      fc.property(code, (c) => {
        const typed = formatItemCode(c).toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
        expect(parseItemCode(typed)).toBe(c);
      }),
    );
  });

  test('any single wrong character is refused', () => {
    fc.assert(
      fc.property(code, fc.nat(CODE_LENGTH - 1), fc.nat(CODE_ALPHABET.length - 2), (c, position, shift) => {
        const original = CODE_ALPHABET.indexOf(c[position]!);
        const replacement = CODE_ALPHABET[(original + 1 + shift) % CODE_ALPHABET.length]!;
        const typo = c.slice(0, position) + replacement + c.slice(position + 1);
        expect(() => parseItemCode(typo)).toThrow(ValidationError);
      }),
      { numRuns: 500 },
    );
  });

  test('the swap that Luhn mod 32 misses (0 and Z) is refused', () => {
    const body = '00000000Z';
    const code = body + checkCharacter(body);
    expect(() => parseItemCode('0000000Z0' + code[9])).toThrow(/check character/);
  });

  test('every swap of two different neighbouring characters is refused, for every pair at every position', () => {
    let checked = 0;
    for (let i = 0; i < CODE_LENGTH - 1; i++) {
      for (const a of CODE_ALPHABET) {
        for (const b of CODE_ALPHABET) {
          if (a === b) continue;
          const chars = [...'ABCDEFGHJK'];
          chars[i] = a;
          chars[i + 1] = b;
          const body = chars.slice(0, CODE_LENGTH - 1).join('');
          // When the pair ends on the check position, the check character decides b: build from the body.
          const c =
            i + 1 < CODE_LENGTH - 1
              ? body + checkCharacter(body)
              : chars.slice(0, i).join('') + a + checkCharacter(chars.slice(0, i).join('') + a);
          if (c[i] === c[i + 1]) continue;
          const swapped = c.slice(0, i) + c[i + 1] + c[i] + c.slice(i + 2);
          expect(() => parseItemCode(swapped)).toThrow(/check character/);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(8000);
  });

  test('swapping two different neighbouring characters is refused (random codes)', () => {
    fc.assert(
      fc.property(code, fc.nat(CODE_LENGTH - 2), (c, i) => {
        fc.pre(c[i] !== c[i + 1]);
        const swapped = c.slice(0, i) + c[i + 1] + c[i] + c.slice(i + 2);
        expect(() => parseItemCode(swapped)).toThrow(/check character/);
      }),
      { numRuns: 2000 },
    );
  });

  test.each([
    ['too short', 'ABC', /10 characters/],
    ['a character outside the alphabet', 'ABCDEFGHU1', /"U"/],
    ['punctuation', 'ABCD.FGH12', /"\."/],
  ])('a code with %s is refused with the reason', (_what, input, reason) => {
    expect(() => parseItemCode(input)).toThrow(reason);
  });
});
