import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createTestContext, type TestContext } from './context';
import { buildWorld, phone, register, stored } from './world';
import { eventCopy, EventCopyReader, itemByteOf, itemIdOf, LeafHasher } from '../src/custody/ledger/verify/event-copy';
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

/** The stream cut in pieces of `size` bytes. */
const pieces = (bytes: Buffer, size: number) =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, k) => bytes.subarray(k * size, (k + 1) * size));

/** Reads the stream in chunks of `size` bytes, each row as its fields say. */
function decode(size: number) {
  const reader = new EventCopyReader();
  const rows: ((typeof expected)[number] & { itemByte: number })[] = [];
  for (const piece of pieces(stream, size)) {
    reader.read(piece, (row) =>
      rows.push({
        index: row.index,
        itemId: itemIdOf(row),
        itemSeq: row.itemSeq,
        canonical: row.buf.toString('utf8', row.canonical, row.canonicalEnd),
        leafHash: row.buf.toString('hex', row.leafHash, row.leafHashEnd),
        prevItemHash: row.prevItemHash < 0 ? null : row.buf.toString('hex', row.prevItemHash, row.prevItemHashEnd),
        itemByte: itemByteOf(row),
      }),
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
    expect(rows.map(({ itemByte: _, ...row }) => row)).toEqual(expected);
    expect(rows.map((r) => r.itemByte)).toEqual(expected.map((e) => parseInt(e.itemId.slice(0, 2), 16)));
  },
);

test.each([1, 7, 64, 1 << 30])(
  'cut every %i bytes, the leaves are hashed from the bytes as they arrived, and the bytes are left as they were',
  (size) => {
    const hasher = new LeafHasher();
    const before = Buffer.from(stream);
    const leaves = Buffer.concat(pieces(stream, size).map((piece) => hasher.add(piece)));
    expect(leaves.toString('hex')).toBe(expected.map((e) => leafHash(e.canonical).toString('hex')).join(''));
    expect(leaves.toString('hex')).toBe(expected.map((e) => e.leafHash).join(''));
    expect(stream.equals(before)).toBe(true);
  },
);

test('bytes that are not a binary COPY are refused', () => {
  expect(() => new EventCopyReader().read(Buffer.from('idx\titem\n0\tx\n'.repeat(3)), () => undefined)).toThrow(
    /not a binary COPY/,
  );
});

test('the bounds of the COPY must be integers', () => {
  expect(() => eventCopy(0.5, 10)).toThrow(RangeError);
  expect(() => eventCopy(-1, Number.NaN)).toThrow(RangeError);
});
