import fc from 'fast-check';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createTestDatabase } from './context';
import { canonicalJson, type Json } from '../src/custody/ledger/canonical-json';
import { buildEnvelope } from '../src/custody/ledger/append';
import { canonicalValueEnd } from '../src/custody/ledger/verify/canonical-bytes';
import { EnvelopeView, scanEnvelope } from '../src/custody/ledger/verify/envelope-bytes';
import { copyLineOf, ItemRowCheck } from '../src/custody/ledger/verify/item-rows';
import type { ItemState } from '../src/custody/items/projection';

/**
 * The verification's byte path (src/custody/ledger/verify/canonical-bytes.ts, envelope-bytes.ts, item-rows.ts): what it
 * accepts without JSON.parse must be exactly what JSON.parse and serializing again would accept, and an
 * items row read as COPY's text must compare as pg's parsed row does.
 */

const canonicalByParsing = (text: string): boolean => {
  try {
    return canonicalJson(JSON.parse(text) as Json) === text;
  } catch {
    return false;
  }
};
const scanned = (text: string) => {
  const bytes = Buffer.from(text);
  return canonicalValueEnd(bytes, 0, bytes.length) === bytes.length;
};

describe('one pass over the bytes', () => {
  test('accepts a text only if it is canonical JSON, and most canonical texts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.constantFrom('', ' ', '\\', '"', '\n', '\u0001', '😀', '黑', 'é', ':', ',', '{', '}', '[', ']', '0'),
        fc.nat(),
        (value, insert, where) => {
          const exact = canonicalJson(value as Json);
          if (scanned(exact)) accepted++;
          // What it leaves to parsing: escapes, numbers, keys in other scripts.
          else expect([...exact].some((c) => c === '\\' || (c >= '0' && c <= '9') || c > '\x7f')).toBe(true);
          // The same text with one character put in somewhere, canonical or (mostly) not.
          const at = where % (exact.length + 1);
          const text = exact.slice(0, at) + insert + exact.slice(at);
          if (scanned(text)) expect(canonicalByParsing(text)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(1000);
  });

  test.each([
    ['{"a":1}', 'a number'],
    ['{"a":"\\u0041"}', 'an escape'],
    ['{"10":"a","9":"b"}', 'keys JavaScript orders as numbers'],
    ['{"é":"a"}', 'a key in another script'],
  ])('leaves %s to parsing: %s', (text, _why) => {
    expect(scanned(text)).toBe(false);
  });

  test.each([
    ['{"b":"x","a":"y"}'],
    ['{"a":"x","a":"y"}'],
    ['{"a":"x" }'],
    ['{"a":"x"} '],
    ['{"a":"x\ty"}'],
    ['{"a":tru}'],
    ['{"a":["x",]}'],
    ['{"a":{"b":null}'],
  ])('refuses %s', (text) => {
    expect(scanned(text)).toBe(false);
    expect(canonicalByParsing(text)).toBe(false);
  });

  test('reads an envelope as JSON.parse does, and leaves any other shape to it', () => {
    const envelope = buildEnvelope(
      {
        item: null,
        itemId: '0b9a6c9e-8a4f-4e0c-9a53-2d1f0e4b7a11',
        type: 'registered',
        actor: { id: 'f7e1c8a2-3b4d-4c5e-8f6a-7b8c9d0e1f2a', agencyId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' },
        to: 'registered',
        // A key named __proto__ is an own property of what JSON.parse gives, and must be of the view's too.
        payload: {
          code: 'A1',
          description: '黑色手机一部',
          quantity: '1',
          mismatches: [],
          hold: { on: true },
          ['__proto__']: 'x',
        },
      },
      '2026-12-07T00:00:00.000Z',
    );
    const text = canonicalJson(envelope as unknown as Json);
    const bytes = Buffer.concat([Buffer.from('xx'), Buffer.from(text), Buffer.from('"yy')]);
    const view = new EnvelopeView();
    expect(scanEnvelope(bytes, 2, bytes.length - 3, view)).toBe(true);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    for (const key of Object.keys(parsed))
      expect((view as unknown as Record<string, unknown>)[key]).toEqual(parsed[key]);
    expect(view.prevItemHashIs(null)).toBe(true);
    const withKey = text.replace('"v":"1"', '"v":"1","w":"x"');
    expect(scanEnvelope(Buffer.from(withKey), 0, Buffer.byteLength(withKey), view)).toBe(false);
    const numbered = text.replace('"itemSeq":"1"', '"itemSeq":1');
    expect(scanEnvelope(Buffer.from(numbered), 0, Buffer.byteLength(numbered), view)).toBe(false);
  });
});

describe('items rows read as COPY text', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await database.drop();
  });

  const keys = ['id', 'code', 'description', 'legalHold', 'itemNo', 'heldByAgencyIds', 'holderName'] as const;
  const rows: Record<(typeof keys)[number], unknown>[] = [
    {
      id: '00000000-0000-4000-8000-000000000001',
      code: 'A',
      description: 'plain',
      legalHold: false,
      itemNo: 1,
      heldByAgencyIds: ['x'],
      holderName: null,
    },
    {
      id: '00000000-0000-4000-8000-000000000002',
      code: 'B',
      description: 'tab\there, line\nbreak, back\\slash \\N "quoted" {braces}',
      legalHold: true,
      itemNo: 12,
      heldByAgencyIds: ['a b', '', 'NULL', 'c,d', 'e"f\\g', '黑'],
      holderName: '\\N',
    },
    {
      id: '00000000-0000-4000-8000-000000000003',
      code: 'C',
      description: '\r\u000b\u000c\b\u0001',
      legalHold: false,
      itemNo: 3,
      heldByAgencyIds: [],
      holderName: 'x',
    },
    // Nothing to escape: compared where it lies, without decoding.
    {
      id: '00000000-0000-4000-8000-000000000004',
      code: 'D',
      description: '黑色手机一部，屏幕有裂痕 😀',
      legalHold: true,
      itemNo: 4,
      heldByAgencyIds: ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'],
      holderName: 'é',
    },
  ];

  /** The rows as PostgreSQL writes them through COPY, as the verification reads items. */
  async function copied(): Promise<Buffer> {
    const values = rows.map((_, r) => `(${keys.map((_k, k) => `$${r * keys.length + k + 1}`).join(', ')})`);
    const params = rows.flatMap((r) => keys.map((k) => r[k]));
    // COPY takes no parameters: the rows go through a temporary table.
    await sql.query(
      `create temporary table if not exists some_items (id uuid, code text, description text, legal_hold boolean, item_no integer, held text[], holder text)`,
    );
    await sql.query('truncate some_items');
    await sql.query(`insert into some_items values ${values.join(', ')}`, params);
    const chunks: Buffer[] = [];
    for await (const chunk of sql.query(
      copyTo(
        'copy (select id, code, description, legal_hold, item_no, held, holder from some_items order by id) to stdout',
      ),
    ) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  const check = (bytes: Buffer, states: Map<string, ItemState>, size: number) => {
    const rowCheck = new ItemRowCheck(keys as unknown as (keyof ItemState)[], states, () => true);
    for (let at = 0; at < bytes.length; at += size) rowCheck.add(bytes.subarray(at, at + size));
    return rowCheck.outcome();
  };
  const statesOf = (changed: Partial<Record<(typeof keys)[number], unknown>> = {}, of = 1) =>
    new Map(rows.map((r, k) => [r.id as string, { ...r, ...(k === of ? changed : {}) } as unknown as ItemState]));

  test('a state is written as COPY writes its row, escapes and quoted array elements too', async () => {
    const lines = (await copied()).toString().split('\n').slice(0, -1);
    expect(lines).toEqual(
      rows.map((r) => copyLineOf(r as unknown as ItemState, keys as unknown as (keyof ItemState)[])),
    );
  });

  test.each([1, 5, 1 << 20])('rows that hold what their states do match, read %i bytes at a time', async (size) => {
    expect(check(await copied(), statesOf(), size)).toEqual({ rows: 4, mismatch: null });
  });

  test.each([
    [1, 'description', 'tab\there'],
    [1, 'legalHold', false],
    [1, 'itemNo', 13],
    [1, 'heldByAgencyIds', ['a b']],
    [1, 'holderName', null],
    [3, 'description', '黑色手机一部，屏幕有裂痕 😁'],
    [3, 'description', '黑色手机一部，屏幕有裂痕'],
    [3, 'itemNo', 40],
    [3, 'heldByAgencyIds', ['00000000-0000-4000-8000-00000000000a']],
    [3, 'holderName', 'e'],
    [3, 'holderName', null],
    [3, 'legalHold', false],
  ] as const)('row %i: a state whose %s differs is named', async (row, field, value) => {
    expect(check(await copied(), statesOf({ [field]: value }, row), 7)).toEqual({
      rows: 4,
      mismatch: { itemId: rows[row]!.id, code: rows[row]!.code, field },
    });
  });

  test('a row of no replayed item is named by its id', async () => {
    const states = statesOf();
    states.delete(rows[2]!.id as string);
    expect(check(await copied(), states, 64).mismatch).toEqual({ itemId: rows[2]!.id, code: 'C', field: 'id' });
  });
});
