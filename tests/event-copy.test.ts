import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createTestContext, type TestContext } from './context';
import { buildWorld, phone, register, stored } from './world';
import { eventCopy, EventCopyReader, type CopiedEvent } from '../src/custody/ledger/verify/event-copy';
import { leafHash } from '../src/custody/ledger/merkle';

let ctx: TestContext;
let sql: pg.Client;
/** The bytes of two COPYs one after the other, as verification reads them: events 0–2, then the rest. */
let stream: Buffer;
let expected: {
  index: number;
  itemId: string;
  itemSeq: number;
  canonical: string;
  leafHash: string;
  prevItemHash: string | null;
}[];

async function copied(after: number, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of sql.query(copyTo(eventCopy(after, limit))) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  ctx = await createTestContext();
  const world = await buildWorld(ctx);
  // Chinese descriptions (multi-byte UTF-8), registrations without a previous hash, and later events with one.
  await stored(ctx, world, [phone, phone, phone]);
  await register(ctx, world);
  sql = new pg.Client({ connectionString: ctx.url });
  await sql.connect();
  stream = Buffer.concat([await copied(-1, 3), await copied(2, 1000)]);
  const { rows } = await sql.query(
    `select idx, item_id, item_seq, canonical, encode(leaf_hash, 'hex') as leaf, encode(prev_item_hash, 'hex') as prev from ledger_events order by idx`,
  );
  expected = rows.map((r) => ({
    index: Number(r.idx),
    itemId: r.item_id,
    itemSeq: r.item_seq,
    canonical: r.canonical,
    leafHash: r.leaf,
    prevItemHash: r.prev,
  }));
});
afterAll(async () => {
  await sql.end();
  await ctx.close();
});

/** Feeds a fresh copy of the stream in chunks of `size` bytes (the reader changes what it reads). */
function decode(size: number, wanted: (itemByte: number) => boolean = () => true) {
  const reader = new EventCopyReader();
  const bytes = Buffer.from(stream);
  const shown = (e: CopiedEvent) => ({
    index: e.index,
    itemId: e.itemId,
    itemSeq: e.itemSeq,
    canonical: e.canonical,
    leafHash: e.leafHash,
    prevItemHash: e.prevItemHash,
    leaf: e.leaf,
  });
  const rows: { index: number; itemId: string; event: ReturnType<typeof shown> | null }[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    reader.read(bytes.subarray(at, at + size), wanted, (index, event) =>
      rows.push({ index, itemId: reader.itemId(), event: event && shown(event) }),
    );
  }
  return rows;
}

test('the ledger has events enough to cut the stream in many places', () => {
  expect(expected.length).toBeGreaterThan(6);
  expect(expected.some((e) => e.prevItemHash === null) && expected.some((e) => e.prevItemHash !== null)).toBe(true);
  expect(expected.some((e) => Buffer.byteLength(e.canonical) > e.canonical.length)).toBe(true);
});

test.each([1, 2, 3, 5, 19, 21, 64, 997, 1 << 30])(
  'cut every %i bytes, two COPYs give every row once, as stored',
  (size) => {
    const rows = decode(size);
    expect(rows.map((r) => r.event)).toEqual(
      expected.map((e) => ({ ...e, leaf: leafHash(e.canonical).toString('hex') })),
    );
  },
);

test('the leaf is hashed from the bytes as they arrived, and matches the stored leaf hash', () => {
  for (const { event } of decode(7)) expect(event!.leaf).toBe(event!.leafHash);
});

test('rows not wanted are counted with their index and item, and not decoded', () => {
  const itemByte = (itemId: string) => parseInt(itemId.slice(0, 2), 16);
  const first = itemByte(expected[0]!.itemId);
  const rows = decode(13, (b) => b === first);
  expect(rows.map((r) => [r.index, r.itemId])).toEqual(expected.map((e) => [e.index, e.itemId]));
  for (const row of rows) expect(row.event !== null).toBe(itemByte(row.itemId) === first);
  expect(rows[0]!.event).not.toBeNull();
});

test('bytes that are not a binary COPY are refused', () => {
  expect(() =>
    new EventCopyReader().read(
      Buffer.from('idx\titem\n0\tx\n'.repeat(3)),
      () => true,
      () => undefined,
    ),
  ).toThrow(/not a binary COPY/);
});

test('the bounds of the COPY must be integers', () => {
  expect(() => eventCopy(0.5, 10)).toThrow(RangeError);
  expect(() => eventCopy(-1, Number.NaN)).toThrow(RangeError);
});
