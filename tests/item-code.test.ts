import fc from 'fast-check';
import { CODE_ALPHABET, CODE_LENGTH, checkCharacter, formatItemCode, generateItemCode, parseItemCode } from '../src/custody/item-code';
import { ValidationError } from '../src/errors';

const body = fc.array(fc.constantFrom(...CODE_ALPHABET), { minLength: CODE_LENGTH - 1, maxLength: CODE_LENGTH - 1 }).map((cs) => cs.join(''));
const code = body.map((b) => b + checkCharacter(b));

describe('item codes', () => {
  test('generated codes are well-formed and parse to themselves', () => {
    for (let i = 0; i < 200; i++) {
      const c = generateItemCode();
      expect(c).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`));
      expect(parseItemCode(c)).toBe(c);
    }
  });

  test('people\'s spellings (lower case, hyphens, O for 0, I and L for 1) are accepted', () => {
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

  test('swapping two different neighbouring characters is refused', () => {
    fc.assert(
      fc.property(code, fc.nat(CODE_LENGTH - 2), (c, i) => {
        fc.pre(c[i] !== c[i + 1]);
        const swapped = c.slice(0, i) + c[i + 1] + c[i] + c.slice(i + 2);
        expect(() => parseItemCode(swapped)).toThrow(/check character/);
      }),
      { numRuns: 500 },
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
