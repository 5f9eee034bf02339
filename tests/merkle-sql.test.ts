import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import {
  consistencyProof,
  Frontier,
  inclusionProof,
  leafHash,
  verifyConsistency,
  type RangeRoots,
} from '../src/custody/ledger/merkle';
import { ledgerRangeRoots, TILE_LEVEL } from '../src/custody/ledger/tree-store';
import { pgSql, type Sql } from '../src/custody/sql';
import { rootFromInclusionProof } from '../src/verifier/crypto';
import { initOrm, migrate, ormConfig } from '../src/orm';
import { createTestDatabase } from './context';

/**
 * The RFC 6962 fold is written twice: Frontier in src/custody/merkle.ts, and the PL/pgSQL of
 * custody_ledger_append and custody_directory_append, which keep the frontier and the root in the head rows.
 * Here random leaves go through the SQL functions in random batches, and at every tree size up to past
 * 4,096 the frontier and root PostgreSQL stored must be the ones Frontier computes and the ones RFC 6962's
 * definition gives, computed below from the leaves with node:crypto alone; and the stored tree's nodes
 * (merkle_nodes) that the append keeps must be the definition's. Each test runs in a transaction that it
 * rolls back, so each starts from an empty head.
 *
 * Then proofs read from the stored tree, in a database of their own: equal to the definition's, in one
 * statement each, with nodes missing too; and the migration that made the stored tree from a centre's tiles.
 */

/** Past 2^12, so that the 4,096th leaf, which closes twelve levels at once, is among the appends. */
const SIZES = 4_200;
// The properties append thousands of entries a run, one statement each: beside a browser test on two busy
// cores that can pass jest's 30 s. A hang guard, not a measure.
jest.setTimeout(180_000);

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const refLeaf = (data: string) => sha256(Buffer.from([0x00]), Buffer.from(data));

/** RFC 6962 §2.1 over leaf hashes, recursively; `memo` keeps subtrees already hashed (it changes only the time). */
class Rfc6962 {
  private readonly memo = new Map<number, Buffer>();
  constructor(private readonly leaves: readonly Buffer[]) {}

  mth(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return sha256();
    if (n === 1) return this.leaves[start]!;
    const key = start * 2 ** 24 + end;
    let root = this.memo.get(key);
    if (!root) {
      let k = 1;
      while (k * 2 < n) k *= 2;
      root = sha256(Buffer.from([0x01]), this.mth(start, start + k), this.mth(start + k, end));
      this.memo.set(key, root);
    }
    return root;
  }

  /** What the frontier of the first n leaves holds: its perfect subtrees, largest first (one per set bit of n). */
  /** Every node the stored tree keeps for n leaves: each perfect subtree of 2^8 leaves or more, as level:index:hash. */
  nodes(n: number): string[] {
    const nodes: string[] = [];
    for (let level = TILE_LEVEL; 2 ** level <= n; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= n; index++) {
        nodes.push(`${level}:${index}:${hex(this.mth(index * 2 ** level, (index + 1) * 2 ** level))}`);
      }
    }
    return nodes;
  }

  frontier(n: number): Buffer[] {
    const nodes: Buffer[] = [];
    let start = 0;
    for (let bit = 2 ** 24; bit >= 1; bit /= 2) {
      if (start + bit <= n) {
        nodes.push(this.mth(start, start + bit));
        start += bit;
      }
    }
    return nodes;
  }
}

interface Head {
  size: number;
  frontier: string;
  root: string;
}
const hex = (b: Buffer) => b.toString('hex');
const fromSql = (row: { size: string; frontier: Buffer; root: Buffer }): Head => ({
  size: Number(row.size),
  frontier: hex(row.frontier),
  root: hex(row.root),
});
const fromFrontier = (f: Frontier): Head => ({
  size: f.size,
  frontier: hex(Buffer.concat(f.nodes)),
  root: hex(f.root()),
});
const fromDefinition = (ref: Rfc6962, n: number): Head => ({
  size: n,
  frontier: hex(Buffer.concat(ref.frontier(n))),
  root: hex(ref.mth(0, n)),
});

/** Consecutive slices of `items`, of the sizes in `sizes` taken in turn. */
function batches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, j = 0; i < items.length; j++) {
    const n = sizes[j % sizes.length]!;
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Leaves as canonical-looking texts of random bytes, duplicates included. */
const texts = (min: number, max: number) =>
  fc
    .array(fc.uint8Array({ maxLength: 8 }), { minLength: min, maxLength: max })
    .map((data) => data.map((d) => `{"d":"${Buffer.from(d).toString('hex')}"}`));
/**
 * Thousands of such leaves, drawn from a seed and a count, so that a failing run prints those two numbers
 * rather than the leaves (shrinking thousands of leaves through the database would take too long).
 */
const many = (min: number, max: number) => fc.record({ seed: fc.integer(), count: fc.integer({ min, max }) });
const drawn = ({ seed, count }: { seed: number; count: number }) =>
  Array.from(
    { length: count },
    (_, i) =>
      `{"d":"${sha256(Buffer.from(`${seed}:${i}`))
        .toString('hex')
        .slice(0, 2 * (((seed ^ i) >>> 0) % 9))}"}`,
  );
/** Mostly small batches, as single commands make, and now and then a large one, as group commit makes. */
const batchSizes = fc.array(
  fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 64, max: 800 })),
  {
    minLength: 1,
    maxLength: 30,
  },
);

const ITEM = randomUUID();
const AT = '2026-12-02T00:00:00.000Z';
/** A valid ledger_events row for custody_ledger_append: one item, numbered from 1 in append order. */
const ledgerEvent = (index: number, canonical: string, leaf: Buffer) => ({
  itemId: ITEM,
  itemSeq: index + 1,
  type: 'registered',
  actor: null,
  agency: null,
  requestId: null,
  occurredAt: AT,
  recordedAt: AT,
  canonical,
  leaf: hex(leaf),
  prev: null,
});

/**
 * Directory entries chained as recordDirectoryChange chains them: seq from 1, prevHash the previous leaf.
 * The leaf is the entry's, unless `leaves` gives it (the function takes the caller's leaf as given).
 */
function directoryEntries(
  payloads: readonly string[],
  leaves?: readonly Buffer[],
): { entry: string; leaf: Buffer; subject: string }[] {
  let prevHash = '';
  return payloads.map((payload, i) => {
    const entry = `{"change":${payload},"prevHash":"${prevHash}","seq":"${i + 1}","v":"1"}`;
    const leaf = leaves?.[i] ?? refLeaf(entry);
    prevHash = hex(leaf);
    return { entry, leaf, subject: ITEM };
  });
}

let db: pg.Client;
let dropDatabase: () => Promise<void>;

beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  const orm = await initOrm({ url: database.url, poolMax: 1 });
  await migrate(orm);
  await orm.close(true);
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  // Session-local helpers: apply many batches (or entries) in one round trip and return the head after each.
  await db.query(`
    create function pg_temp.ledger_batches(p_batches jsonb)
    returns table (o_first bigint, o_size bigint, o_frontier bytea, o_root bytea) language plpgsql as $$
    declare v_batch jsonb;
    begin
      for v_batch in select b from jsonb_array_elements(p_batches) with ordinality t(b, n) order by n loop
        o_first := custody_ledger_append(v_batch);
        select size, frontier, root into o_size, o_frontier, o_root from ledger_head;
        return next;
      end loop;
    end $$`);
  await db.query(`
    create function pg_temp.directory_entries(p_entries jsonb)
    returns table (o_seq bigint, o_size bigint, o_last bytea, o_frontier bytea, o_root bytea) language plpgsql as $$
    declare v jsonb;
    begin
      for v in select e from jsonb_array_elements(p_entries) with ordinality t(e, n) order by n loop
        o_seq := custody_directory_append(v ->> 'entry', decode(v ->> 'leaf', 'hex'), (v ->> 'subject')::uuid);
        select size, last_hash, frontier, root into o_size, o_last, o_frontier, o_root from directory_log_head;
        return next;
      end loop;
    end $$`);
}, 60_000);

afterAll(async () => {
  await db?.end();
  await dropDatabase?.();
});

async function rolledBack<T>(work: () => Promise<T>): Promise<T> {
  await db.query('begin');
  try {
    const heads = await db.query<{ ledger: string; directory: string }>(
      'select (select size from ledger_head) as ledger, (select size from directory_log_head) as directory',
    );
    expect(heads.rows[0]).toEqual({ ledger: '0', directory: '0' });
    return await work();
  } finally {
    await db.query('rollback');
  }
}

type LedgerRow = { o_first: string; o_size: string; o_frontier: Buffer; o_root: Buffer };

/** Appends `sizes`-batches of `canonicals` to the ledger in one round trip; the heads after each batch. */
async function appendLedger(canonicals: readonly string[], leaves: readonly Buffer[], sizes: readonly number[]) {
  const events = canonicals.map((c, i) => ledgerEvent(i, c, leaves[i]!));
  const split = batches(events, sizes);
  const { rows } = await db.query<LedgerRow>('select * from pg_temp.ledger_batches($1::jsonb)', [
    JSON.stringify(split),
  ]);
  expect(rows).toHaveLength(split.length);
  return rows.map((r, i) => ({
    first: Number(r.o_first),
    count: split[i]!.length,
    head: fromSql({ size: r.o_size, frontier: r.o_frontier, root: r.o_root }),
  }));
}

/** Every head against Frontier fed the same leaves and against the definition; the rows against the leaves. */
async function checkLedger(leaves: readonly Buffer[], heads: Awaited<ReturnType<typeof appendLedger>>) {
  const ref = new Rfc6962(leaves);
  const frontier = new Frontier();
  for (const { first, count, head } of heads) {
    expect(first).toBe(frontier.size);
    for (let i = 0; i < count; i++) frontier.append(leaves[frontier.size]!);
    expect(head).toEqual(fromFrontier(frontier));
    expect(head).toEqual(fromDefinition(ref, frontier.size));
  }
  expect(frontier.size).toBe(leaves.length);
  const { rows } = await db.query<{ idx: string; leaf_hash: Buffer }>(
    'select idx, leaf_hash from ledger_events order by idx',
  );
  expect(rows.map((r) => `${r.idx}:${hex(r.leaf_hash)}`)).toEqual(leaves.map((l, i) => `${i}:${hex(l)}`));
  expect(await storedNodes(db)).toEqual(ref.nodes(leaves.length));
}

const storedNodes = async (client: pg.Client) =>
  (
    await client.query<{ level: number; idx: string; hash: Buffer }>(
      'select level, idx, hash from merkle_nodes order by level, idx',
    )
  ).rows.map((r) => `${r.level}:${r.idx}:${hex(r.hash)}`);

const hashed = (canonicals: readonly string[]) =>
  canonicals.map((c) => {
    const leaf = refLeaf(c);
    expect(hex(leafHash(c))).toBe(hex(leaf));
    return leaf;
  });

describe('custody_ledger_append folds as Frontier and RFC 6962 do', () => {
  test('the published RFC 6962 test vectors give the published roots', async () => {
    const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, 'vectors', 'rfc6962.json'), 'utf8')) as {
      leafInputsHex: string[];
      rootsBySize: string[];
    };
    const leaves = vectors.leafInputsHex.map((h) => sha256(Buffer.from([0x00]), Buffer.from(h, 'hex')));
    await rolledBack(async () => {
      const heads = await appendLedger(
        leaves.map((_, i) => `{"v":${i}}`),
        leaves,
        [1],
      );
      expect(heads.map((h) => h.head.root)).toEqual(vectors.rootsBySize.slice(1));
    });
    await rolledBack(async () => {
      const entries = directoryEntries(
        leaves.map((_, i) => `{"v":${i}}`),
        leaves,
      );
      const { rows } = await db.query<{ o_root: Buffer }>('select o_root from pg_temp.directory_entries($1::jsonb)', [
        JSON.stringify(entries.map((e) => ({ ...e, leaf: hex(e.leaf) }))),
      ]);
      expect(rows.map((r) => hex(r.o_root))).toEqual(vectors.rootsBySize.slice(1));
    });
  });

  test(`one leaf per call: the head at every size from 1 to ${SIZES}`, async () => {
    await fc.assert(
      fc.asyncProperty(many(SIZES, SIZES), async (drawing) => {
        const canonicals = drawn(drawing);
        const leaves = hashed(canonicals);
        await rolledBack(async () => checkLedger(leaves, await appendLedger(canonicals, leaves, [1])));
      }),
      { numRuns: 1, endOnFailure: true },
    );
  });

  test(`random batch sizes, one client call per batch, past ${SIZES} leaves`, async () => {
    await fc.assert(
      fc.asyncProperty(many(SIZES, SIZES + 100), batchSizes, async (drawing, sizes) => {
        const canonicals = drawn(drawing);
        const leaves = hashed(canonicals);
        await rolledBack(async () => {
          // As appendEvents calls it: one jsonb array per statement, then the head as a reader sees it.
          const heads = [];
          for (const batch of batches(
            canonicals.map((c, i) => ledgerEvent(i, c, leaves[i]!)),
            sizes,
          )) {
            const { rows } = await db.query<{ first: string }>('select custody_ledger_append($1::jsonb) as first', [
              JSON.stringify(batch),
            ]);
            const head = await db.query<{ size: string; frontier: Buffer; root: Buffer }>(
              'select size, frontier, root from ledger_head',
            );
            heads.push({ first: Number(rows[0]!.first), count: batch.length, head: fromSql(head.rows[0]!) });
          }
          await checkLedger(leaves, heads);
        });
      }),
      { numRuns: 3, endOnFailure: true },
    );
  });

  test('random small trees in random batches (shrinks to the smallest disagreement)', async () => {
    await fc.assert(
      fc.asyncProperty(texts(1, 300), batchSizes, async (canonicals, sizes) => {
        const leaves = hashed(canonicals);
        await rolledBack(async () => checkLedger(leaves, await appendLedger(canonicals, leaves, sizes)));
      }),
      { numRuns: 60 },
    );
  });

  test('from heads of billions of leaves (set by hand), the stored frontier and root are what Frontier computes', async () => {
    // Frontier.append counts a size's trailing ones with 32-bit shifts: it is exact only below 2^32 - 1
    // leaves (at 2^32 - 1 it throws), so the sizes stay below; the SQL fold works on bigint.
    const start = fc.oneof(
      fc.integer({ min: 1, max: 2 ** 32 - 2_000 }),
      fc.constantFrom(2 ** 31 - 1, 2 ** 31 - 700, 2 ** 32 - 1_026, 2 ** 31 + 2 ** 30 - 1),
    );
    await fc.assert(
      fc.asyncProperty(start, texts(1, 900), batchSizes, async (size, canonicals, sizes) => {
        const popcount = size.toString(2).replace(/0/g, '').length;
        const nodes = Array.from({ length: popcount }, (_, i) => sha256(Buffer.from(`node ${size} ${i}`)));
        const frontier = new Frontier(size, nodes.slice());
        const leaves = hashed(canonicals);
        await rolledBack(async () => {
          await db.query('update ledger_head set size = $1, frontier = $2, root = $3', [
            size,
            Buffer.concat(nodes),
            frontier.root(),
          ]);
          const { rows } = await db.query<LedgerRow>('select * from pg_temp.ledger_batches($1::jsonb)', [
            JSON.stringify(
              batches(
                canonicals.map((c, i) => ledgerEvent(i, c, leaves[i]!)),
                sizes,
              ),
            ),
          ]);
          let fed = 0;
          const made: [number, number, string][] = [];
          for (const [i, batch] of batches(leaves, sizes).entries()) {
            expect(Number(rows[i]!.o_first)).toBe(size + fed);
            for (const leaf of batch) {
              frontier.append(leaf, (level, index, root) => {
                if (level >= TILE_LEVEL) made.push([level, index, hex(root)]);
              });
            }
            fed += batch.length;
            expect(fromSql({ size: rows[i]!.o_size, frontier: rows[i]!.o_frontier, root: rows[i]!.o_root })).toEqual(
              fromFrontier(frontier),
            );
          }
          // Crossing 2^31 closes every level from 8 to 31 at once.
          made.sort(([l1, i1], [l2, i2]) => l1 - l2 || i1 - i2);
          expect(await storedNodes(db)).toEqual(made.map((node) => node.join(':')));
        });
      }),
      { numRuns: 40 },
    );
  });
});

describe('custody_directory_append folds as Frontier and RFC 6962 do', () => {
  test(`random batches of entries: the head after every entry, at every size from 1 to ${SIZES}`, async () => {
    await fc.assert(
      fc.asyncProperty(many(SIZES, SIZES + 100), batchSizes, async (drawing, sizes) => {
        const entries = directoryEntries(drawn(drawing));
        const leaves = entries.map((e) => e.leaf);
        entries.forEach((e) => expect(hex(leafHash(e.entry))).toBe(hex(e.leaf)));
        await rolledBack(async () => {
          const ref = new Rfc6962(leaves);
          const frontier = new Frontier();
          for (const batch of batches(entries, sizes)) {
            const { rows } = await db.query<{
              o_seq: string;
              o_size: string;
              o_last: Buffer;
              o_frontier: Buffer;
              o_root: Buffer;
            }>('select * from pg_temp.directory_entries($1::jsonb)', [
              JSON.stringify(batch.map((e) => ({ ...e, leaf: hex(e.leaf) }))),
            ]);
            expect(rows).toHaveLength(batch.length);
            for (const row of rows) {
              frontier.append(leaves[frontier.size]!);
              expect(Number(row.o_seq)).toBe(frontier.size);
              expect(hex(row.o_last)).toBe(hex(leaves[frontier.size - 1]!));
              const head = fromSql({ size: row.o_size, frontier: row.o_frontier, root: row.o_root });
              expect(head).toEqual(fromFrontier(frontier));
              expect(head).toEqual(fromDefinition(ref, frontier.size));
            }
          }
          expect(frontier.size).toBe(leaves.length);
          const { rows } = await db.query<{ seq: string; leaf_hash: Buffer; entry: string }>(
            'select seq, leaf_hash, entry from directory_log order by seq',
          );
          expect(rows.map((r) => `${r.seq}:${hex(r.leaf_hash)}`)).toEqual(leaves.map((l, i) => `${i + 1}:${hex(l)}`));
          expect(rows.map((r) => r.entry)).toEqual(entries.map((e) => e.entry));
        });
      }),
      { numRuns: 2, endOnFailure: true },
    );
  });

  test('an entry that does not follow the head is refused and folds nothing', async () => {
    const entries = directoryEntries(['{"a":1}', '{"a":2}', '{"a":3}']);
    const call = (e: (typeof entries)[number]) =>
      db.query('select custody_directory_append($1, $2, $3)', [e.entry, e.leaf, e.subject]);
    await rolledBack(async () => {
      await call(entries[0]!);
      const before = (await db.query('select size, last_hash, frontier, root from directory_log_head')).rows[0];
      await db.query('savepoint s');
      await expect(call(entries[2]!)).rejects.toThrow(/does not follow the head/); // seq 3 after 1
      await db.query('rollback to savepoint s');
      await expect(
        call({
          ...entries[1]!,
          entry: entries[1]!.entry.replace(/"prevHash":"[0-9a-f]+"/, `"prevHash":"${'0'.repeat(64)}"`),
        }),
      ).rejects.toThrow(/does not follow the head/);
      await db.query('rollback to savepoint s');
      expect((await db.query('select size, last_hash, frontier, root from directory_log_head')).rows[0]).toEqual(
        before,
      );
      await call(entries[1]!);
      expect(fromSql((await db.query('select size, frontier, root from directory_log_head')).rows[0])).toEqual(
        fromDefinition(new Rfc6962(entries.map((e) => e.leaf)), 2),
      );
    });
  });
});

/** A Sql that counts the statements it runs: how many round trips a proof takes. */
function counting(sql: Sql): Sql & { statements: number } {
  const counted = {
    statements: 0,
    execute: ((text: string, params?: unknown[]) => {
      counted.statements++;
      return sql.execute(text, params);
    }) as Sql['execute'],
  };
  return counted;
}

describe('proofs from the stored tree', () => {
  // Past 2^12 and on to a tile cut short: twelve levels of nodes, and leaves beyond the last node.
  const N = 4096 + 512 + 77;
  const leaves = hashed(drawn({ seed: 18, count: N }));
  const ref = new Rfc6962(leaves);
  const definition: RangeRoots = (ranges) => ranges.map(([start, end]) => ref.mth(start, end));
  // Sizes at and around each level's boundary, inside tiles, and the whole tree.
  const sizes = [
    ...[1, 2, 3, 7, 100, 255, 256, 257, 300, 511, 512, 513, 767, 768, 769, 1023, 1024, 1025, 1280, 2047, 2048],
    ...[2049, 2304, 3000, 4095, 4096, 4097, 4352, 4607, 4608, 4609, N - 1, N],
  ];
  const indices = (size: number) =>
    [...new Set([0, 1, 127, 128, 255, 256, 257, 2047, 2048, 4095, 4096, size - 2, size - 1, (size * 7) >> 4])].filter(
      (i) => i >= 0 && i < size,
    );
  const olderSizes = (size: number) =>
    [...new Set([1, 2, 255, 256, 257, 1024, 3000, size >> 1, size - 1, size])].filter((m) => m >= 1 && m <= size);

  let tree: pg.Client;
  /** The ORM, as the server reads the tree; and one whose every transaction is read-only, as on a standby. */
  let orm: MikroORM;
  let standby: MikroORM;
  let dropTree: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    dropTree = database.drop;
    orm = await initOrm({ url: database.url, poolMax: 2 });
    await migrate(orm);
    standby = await MikroORM.init({
      ...ormConfig({ url: database.url, poolMax: 1 }),
      driverOptions: { connection: { options: '-c default_transaction_read_only=on' } },
    });
    tree = new pg.Client({ connectionString: database.url });
    await tree.connect();
    const events = drawn({ seed: 18, count: N }).map((c, i) => ledgerEvent(i, c, leaves[i]!));
    for (const batch of batches(events, [1, 37, 300, 5, 1000, 255, 256]))
      await tree.query('select custody_ledger_append($1::jsonb)', [JSON.stringify(batch)]);
  }, 60_000);
  afterAll(async () => {
    await tree?.end();
    await orm?.close(true);
    await standby?.close(true);
    await dropTree?.();
  });

  /** Every inclusion and consistency proof above from `sql`, checked against the definition and its roots. */
  async function allProofs(sql: Sql & { statements: number }, maxStatements: number, of = sizes) {
    let proofs = 0;
    for (const size of of) {
      const root = ref.mth(0, size);
      for (const index of indices(size)) {
        const before = sql.statements;
        const proof = await inclusionProof(ledgerRangeRoots(sql), size, index);
        expect(sql.statements - before).toBeLessThanOrEqual(maxStatements);
        expect(proof.map(hex)).toEqual((await inclusionProof(definition, size, index)).map(hex));
        expect(hex(Buffer.from(await rootFromInclusionProof(index, size, leaves[index]!, proof)))).toBe(hex(root));
        proofs++;
      }
      for (const m of olderSizes(size)) {
        const before = sql.statements;
        const proof = await consistencyProof(ledgerRangeRoots(sql), m, size);
        expect(sql.statements - before).toBeLessThanOrEqual(maxStatements);
        expect(proof.map(hex)).toEqual((await consistencyProof(definition, m, size)).map(hex));
        expect(verifyConsistency(m, size, ref.mth(0, m), root, proof)).toBe(true);
        proofs++;
      }
    }
    return proofs;
  }

  test('every proof equals the definition’s and verifies, each in one statement', async () => {
    const sql = counting(orm.em.fork());
    const proofs = await allProofs(sql, 1);
    expect(proofs).toBeGreaterThan(500);
    expect(sql.statements).toBeLessThanOrEqual(proofs);
    expect(await storedNodes(tree)).toEqual(ref.nodes(N));
  });

  test('with nodes missing, proofs are the same and take a bounded number of statements; a standby keeps none', async () => {
    // As a ledger loaded without them would be: a third of the nodes, and a whole level, gone.
    await tree.query('begin');
    await tree.query('alter table merkle_nodes disable trigger merkle_nodes_append_only');
    await tree.query(`delete from merkle_nodes where level = 10 or (idx % 3 = 1)`);
    await tree.query('alter table merkle_nodes enable trigger merkle_nodes_append_only');
    await tree.query('commit');
    const left = await storedNodes(tree);
    expect(left.length).toBeLessThan(ref.nodes(N).length * 0.7);
    // A missing node is computed from the level below, a statement per level, down to a tile's leaves.
    const bound = 3 + 2 * (Math.log2(4096) - TILE_LEVEL);
    const some = sizes.filter((size, i) => i % 3 === 0 || size > 4096);

    // As on a hot standby: nothing computed can be kept.
    await allProofs(counting(standby.em.fork()), bound, some);
    expect(await storedNodes(tree)).toEqual(left);

    await allProofs(counting(orm.em.fork()), bound, some);
    const kept = await storedNodes(tree);
    expect(kept.length).toBeGreaterThan(left.length);
    expect(ref.nodes(N)).toEqual(expect.arrayContaining(kept));
    // Once kept, one statement each again; on a bare connection too.
    await allProofs(counting(pgSql(tree)), 1, some);
  });

  test('a node is refused before the head covers its leaves, and none is changed or removed', async () => {
    const fail = async (statement: string) => {
      await tree.query('savepoint s');
      try {
        await expect(tree.query(statement)).rejects.toMatchObject({ code: 'P0001' });
      } finally {
        await tree.query('rollback to savepoint s');
      }
    };
    await tree.query('begin');
    try {
      await fail(`insert into merkle_nodes (level, idx, hash) values (4, ${Math.floor(N / 16)}, sha256(''))`);
      await fail(`insert into merkle_nodes (level, idx, hash) values (13, 0, sha256(''))`);
      await fail(`update merkle_nodes set hash = sha256(hash) where level = 8 and idx = 0`);
      await fail(`delete from merkle_nodes where level = 4`);
      await fail(`truncate merkle_nodes`);
    } finally {
      await tree.query('rollback');
    }
  });
});

test('the migration makes the stored tree from a centre’s tiles, computing the tiles it lacks', async () => {
  const database = await createTestDatabase();
  const orm = await initOrm({ url: database.url, poolMax: 1 });
  const client = new pg.Client({ connectionString: database.url });
  try {
    const pending = (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
    await orm.getMigrator().up({ to: pending[pending.indexOf('Migration20261212100001MerkleNodes') - 1]! });
    await client.connect();
    const n = 3000;
    const canonicals = drawn({ seed: 7, count: n + 2000 });
    const leaves = hashed(canonicals);
    const events = canonicals.map((c, i) => ledgerEvent(i, c, leaves[i]!));
    for (const batch of batches(events.slice(0, n), [700]))
      await client.query('select custody_ledger_append($1::jsonb)', [JSON.stringify(batch)]);
    // The tiles the proofs had computed: every other one.
    const ref = new Rfc6962(leaves);
    for (let tile = 0; tile < Math.floor(n / 256); tile += 2)
      await client.query('insert into merkle_tiles (tile, root) values ($1, $2)', [
        tile,
        ref.mth(tile * 256, (tile + 1) * 256),
      ]);
    await migrate(orm);
    // The nodes of 256 leaves and more; those below are left to the proofs that need them.
    const fromTiles = (nodes: string[]) => nodes.filter((node) => Number(node.split(':')[0]) >= 8);
    expect(await storedNodes(client)).toEqual(fromTiles(ref.nodes(n)));
    expect((await client.query(`select to_regclass('merkle_tiles') as t`)).rows[0].t).toBeNull();
    // And the append keeps every node it completes from there on.
    for (const batch of batches(events.slice(n), [1, 600]))
      await client.query('select custody_ledger_append($1::jsonb)', [JSON.stringify(batch)]);
    const completedSince = (node: string) => {
      const [level, index] = node.split(':').map(Number) as [number, number];
      return level >= 8 || (index + 1) * 2 ** level > n;
    };
    expect(await storedNodes(client)).toEqual(ref.nodes(n + 2000).filter(completedSince));
    // A proof computes and keeps the others it needs.
    const proof = await inclusionProof(ledgerRangeRoots(pgSql(client)), n + 2000, 5);
    expect(proof.map(hex)).toEqual(
      (await inclusionProof((ranges) => ranges.map(([s, e]) => ref.mth(s, e)), n + 2000, 5)).map(hex),
    );
    expect(await storedNodes(client)).toEqual(
      expect.arrayContaining(
        ['4:1', '5:1', '6:1', '7:1'].map((node) => ref.nodes(n).find((r) => r.startsWith(`${node}:`))),
      ),
    );
  } finally {
    await client.end();
    await orm.close(true);
    await database.drop();
  }
});
