import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  arrayRangeRoots,
  consistencyProof,
  EMPTY_ROOT,
  Frontier,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
} from '../src/custody/ledger/merkle';
import { canonicalJson, isCanonical, type Json } from '../src/custody/ledger/canonical-json';
// The offline verifier's: the proofs the server makes are checked by the code that checks them in court.
import { rootFromInclusionProof } from '../src/verifier/crypto';

interface Vectors {
  leafInputsHex: string[];
  rootsBySize: string[];
  inclusionProofs: { leafIndex: number; treeSize: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
}
const vectors: Vectors = JSON.parse(fs.readFileSync(path.join(__dirname, 'vectors', 'rfc6962.json'), 'utf8'));
const leaves = vectors.leafInputsHex.map((hex) => leafHash(Buffer.from(hex, 'hex')));
const hex = (b: Buffer) => b.toString('hex');

describe('RFC 6962 test vectors', () => {
  test.each(vectors.rootsBySize.map((root, size) => [size, root]))('the root of %i leaves is %s', (size, root) => {
    expect(hex(rootOf(leaves.slice(0, size)))).toBe(root);
  });

  test('the empty tree has the hash of the empty string as its root', () => {
    expect(hex(EMPTY_ROOT)).toBe(vectors.rootsBySize[0]);
  });

  test.each(vectors.inclusionProofs.map((v) => [v.leafIndex, v.treeSize, v]))(
    'the inclusion proof of leaf %i in a tree of %i matches, and verifies to the published root',
    async (index, size, v) => {
      const proof = await inclusionProof(arrayRangeRoots(leaves), size, index);
      expect(proof.map(hex)).toEqual(v.proof);
      const root = await rootFromInclusionProof(index, size, leaves[index]!, proof);
      expect(hex(Buffer.from(root))).toBe(vectors.rootsBySize[size]);
    },
  );

  test.each(vectors.consistencyProofs.map((v) => [v.size1, v.size2, v]))(
    'the consistency proof from %i to %i matches and verifies',
    async (size1, size2, v) => {
      const proof = await consistencyProof(arrayRangeRoots(leaves), size1, size2);
      expect(proof.map(hex)).toEqual(v.proof);
      const r1 = Buffer.from(vectors.rootsBySize[size1]!, 'hex');
      const r2 = Buffer.from(vectors.rootsBySize[size2]!, 'hex');
      expect(verifyConsistency(size1, size2, r1, r2, proof)).toBe(true);
      expect(verifyConsistency(size1, size2, r2, r2, proof)).toBe(false);
    },
  );
});

describe('Merkle tree properties', () => {
  const leafSet = fc
    .array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 70 })
    .map((data) => data.map((d) => leafHash(Buffer.from(d))));

  test('the frontier, appended leaf by leaf, gives the same root as the whole tree at every size', () => {
    fc.assert(
      fc.property(leafSet, (ls) => {
        const frontier = new Frontier();
        ls.forEach((leaf, i) => {
          frontier.append(leaf);
          expect(frontier.root().equals(rootOf(ls.slice(0, i + 1)))).toBe(true);
          expect(frontier.nodes.length).toBe((i + 1).toString(2).replace(/0/g, '').length);
        });
      }),
      { numRuns: 30 },
    );
  });

  test('every inclusion proof verifies, and fails for another leaf or index', async () => {
    await fc.assert(
      fc.asyncProperty(leafSet, fc.nat(), async (ls, pick) => {
        const index = pick % ls.length;
        const root = rootOf(ls);
        const proof = await inclusionProof(arrayRangeRoots(ls), ls.length, index);
        expect(Buffer.from(await rootFromInclusionProof(index, ls.length, ls[index]!, proof)).equals(root)).toBe(true);
        const forged = leafHash('forged');
        expect(Buffer.from(await rootFromInclusionProof(index, ls.length, forged, proof)).equals(root)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  test('every consistency proof verifies, and fails against a changed old leaf', async () => {
    await fc.assert(
      fc.asyncProperty(leafSet, fc.nat(), async (ls, pick) => {
        const m = (pick % ls.length) + 1;
        const proof = await consistencyProof(arrayRangeRoots(ls), m, ls.length);
        expect(verifyConsistency(m, ls.length, rootOf(ls.slice(0, m)), rootOf(ls), proof)).toBe(true);
        const rewritten = [leafHash('rewritten'), ...ls.slice(1)];
        expect(verifyConsistency(m, ls.length, rootOf(ls.slice(0, m)), rootOf(rewritten), proof)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});

describe('RFC 8785 canonical JSON', () => {
  test('sorts keys by UTF-16 code units, at every depth, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' }, '€': 0, '\u00e9': 0, A: 0 })).toBe(
      '{"A":0,"a":{"c":"x","d":[true,null]},"b":1,"é":0,"€":0}',
    );
  });

  test('serializes numbers and strings as ECMAScript does (the RFC 8785 examples)', () => {
    expect(canonicalJson([1e30, 4.5, 0.002, 1e-27, -0])).toBe('[1e+30,4.5,0.002,1e-27,0]');
    expect(canonicalJson({ s: '\u20ac$\u000f\nA\'B"\\\\"/' })).toBe('{"s":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  test('isCanonical accepts exactly the canonical text of a value', () => {
    const value = { b: [1, { d: null, c: '黑' }], a: true };
    const canonical = canonicalJson(value);
    expect(isCanonical(JSON.parse(canonical), canonical)).toBe(true);
    expect(isCanonical(JSON.parse(JSON.stringify(value)), JSON.stringify(value))).toBe(false);
    expect(isCanonical(JSON.parse(canonical), canonical.replace(':', ': '))).toBe(false);
  });

  /**
   * Writes `value` as JSON that parses back to it, with each choice (key order, a key given twice, \u
   * and \/ escapes, other spellings of numbers, whitespace) made at random from `seed`: text that is
   * canonical or not.
   */
  function variant(value: Json, seed: number): string {
    let state = seed >>> 0 || 1;
    const chance = (p: number) => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32 < p;
    const space = () => (chance(0.03) ? ' ' : '');
    const str = (s: string) =>
      `"${[
        ...JSON.stringify(s)
          .slice(1, -1)
          .matchAll(/\\u[0-9a-f]{4}|\\.|[\s\S]/g),
      ]
        .map(([piece]) => {
          if (piece === '/' && chance(0.3)) return '\\/';
          // A lone surrogate as the raw code unit, which JSON.stringify escapes.
          if (/^\\ud[89a-f]/.test(piece) && chance(0.3)) return JSON.parse(`"${piece}"`);
          if (!chance(0.05)) return piece;
          const code = (piece.length === 1 ? piece : JSON.parse(`"${piece}"`))
            .charCodeAt(0)
            .toString(16)
            .padStart(4, '0');
          return `\\u${chance(0.5) ? code : code.toUpperCase()}`;
        })
        .join('')}"`;
    const write = (v: Json): string => {
      if (typeof v === 'string') return str(v);
      if (typeof v === 'number')
        return !Number.isSafeInteger(v) || !chance(0.15) ? JSON.stringify(v) : chance(0.5) ? `${v}.0` : `${v}e0`;
      if (v === null || typeof v !== 'object') return JSON.stringify(v);
      if (Array.isArray(v)) return `[${space()}${v.map(write).join(`,${space()}`)}]`;
      let keys = Object.keys(v).sort();
      if (chance(0.1)) keys = keys.reverse();
      const members = keys.map((k) => `${str(k)}:${space()}${write(v[k]!)}`);
      // The same key again, first: JSON.parse keeps the last, so the value is unchanged.
      if (keys.length && chance(0.05)) members.unshift(`${str(keys[0]!)}:0`);
      return `{${space()}${members.join(',')}}`;
    };
    return write(value);
  }

  test('isCanonical agrees with serializing again, on canonical texts and on texts that are not', () => {
    let canonical = 0;
    let not = 0;
    fc.assert(
      // Characters each written in its own way: plain, escaped short, escaped \u, a pair, lone halves.
      fc.property(
        fc.jsonValue({
          maxDepth: 4,
          stringUnit: fc.oneof(
            fc.constantFrom(
              '/',
              '"',
              '\\',
              '\n',
              '\b',
              '\u0001',
              '\u007f',
              '\u2028',
              'a',
              '0',
              '黑',
              'é',
              '😀',
              '\ud800',
              '\udfff',
              ' ',
            ),
            fc.string({ unit: 'binary', maxLength: 1 }),
          ),
        }),
        fc.integer(),
        (value, seed) => {
          const exact = canonicalJson(value as Json);
          expect(isCanonical(JSON.parse(exact), exact)).toBe(true);
          const text = variant(value as Json, seed);
          const parsed = JSON.parse(text);
          const expected = canonicalJson(parsed) === text;
          expect(isCanonical(parsed, text)).toBe(expected);
          if (expected) canonical++;
          else not++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(canonical).toBeGreaterThan(300);
    expect(not).toBeGreaterThan(300);
  });

  test('isCanonical: keys in code-unit order, digits included, and nothing that JSON.stringify would not write', () => {
    const check = (text: string) => isCanonical(JSON.parse(text), text);
    expect(check('{"10":1,"9":2}')).toBe(true);
    expect(check('{"9":2,"10":1}')).toBe(false);
    expect(check('{"":1,"a":2}')).toBe(true);
    expect(check('{"a":1,"a":2}')).toBe(false);
    expect(check('{"":1,"":2}')).toBe(false);
    expect(check('{"a":"\\u0041"}')).toBe(false);
    expect(check('{"a":"\\u001f"}')).toBe(true);
    expect(check('{"a":"\\u001F"}')).toBe(false);
    expect(check('{"a":"\\ud800"}')).toBe(true);
    expect(check('{"a":"\\/"}')).toBe(false);
    expect(check('{"a":"😀"}')).toBe(true);
    expect(check('{"a":"\\ud83d\\ude00"}')).toBe(false);
    expect(check('[1e+30,4.5,0.002,1e-27,0]')).toBe(true);
    expect(check('[1E+30]')).toBe(false);
    expect(check('[-0]')).toBe(false);
    expect(check('[1e400]')).toBe(false);
    expect(check('[true,false,null,{}]')).toBe(true);
    expect(check(' [] ')).toBe(false);
  });

  test('keeps CJK text as UTF-8 characters, not escapes', () => {
    expect(canonicalJson({ d: '黑色手机一部' })).toBe('{"d":"黑色手机一部"}');
  });
});
