import type { MikroORM } from '@mikro-orm/postgresql';
import { createTestDatabase } from './context';
import { initOrm, migrate } from '../src/orm';
import { generateCentre, type GeneratedCentre } from '../bench/scale/generate';
import { SEARCHES } from '../bench/scale/searches';
import { verifyLedger } from '../src/custody/ledger/verify/verify';
import { openCheckpoint, signCheckpoint } from '../src/custody/ledger/checkpoints';
import { ED25519, generateSignerKey, parseSignerKey } from '../src/custody/ledger/note';
import { rootOf } from '../src/custody/ledger/merkle';
import { TILE, TILE_LEVEL } from '../src/custody/ledger/tree-store';
import { verifySince } from '../src/custody/ledger/verify/incremental';
import { ITEM_SELECT, rowToState } from '../src/custody/ledger/append';
import type { Envelope } from '../src/custody/ledger/events';
import { EVENT_TYPES } from '../src/custody/ledger/events';
import { project, type ItemState } from '../src/custody/items/projection';
import { CATEGORIES, PHYSICAL_STATES } from '../src/custody/items/item-kinds';
import { recordLabelPrints } from '../src/custody/items/label-prints';
import {
  dueItems,
  searchItems,
  searchQueries,
  searchQueriesFor,
  TOTAL_BOUND,
  type ItemFilters,
} from '../src/custody/items/item-queries';
import { dashboardQueries, lastWeeks } from '../src/custody/items/dashboard';
import { loadCaller, seesAllItems, type Caller } from '../src/custody/directory/caller';
import { countTables } from './count-tables';

/**
 * Issue 18's CI-sized centre: about 12,000 items and 100,000 events generated straight into PostgreSQL,
 * which the server's own verification, checkpoint signer and projection must all accept, and on which
 * every query of the item search must read an index.
 */
const ITEMS = 12_000;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let orm: MikroORM;
let centre: GeneratedCentre;
const signer = parseSignerKey(generateSignerKey('custody.test/scale', ED25519));
const em = () => orm.em.fork();

/** The item's state as its events give it, replayed by the server's projection. */
async function replayed(itemId: string): Promise<ItemState | null> {
  const events = await em().execute<{ canonical: string; leaf_hash: Buffer }[]>(
    'select canonical, leaf_hash from ledger_events where item_id = ? order by item_seq',
    [itemId],
  );
  let state: ItemState | null = null;
  for (const e of events) state = project(state, JSON.parse(e.canonical) as Envelope, e.leaf_hash.toString('hex'));
  return state;
}

jest.setTimeout(120_000);

beforeAll(async () => {
  database = await createTestDatabase();
  orm = await initOrm({ url: database.url, poolMax: 4 });
  await migrate(orm);
  centre = await generateCentre(orm, { items: ITEMS, seed: 18, signer });
});
afterAll(async () => {
  await orm?.close(true);
  await database?.drop();
});

describe('the generated centre', () => {
  test('has the size and the mix asked for', async () => {
    expect(centre.items).toBe(ITEMS);
    expect(centre.events).toBeGreaterThan(8 * ITEMS);
    const count = async (sql: string) =>
      (await em().execute<{ key: string; n: string }[]>(sql)).map((r) => [r.key, Number(r.n)] as const);
    const types = new Map(await count('select type as key, count(*) as n from ledger_events group by 1'));
    // Every event type but those of corrections, attachments and inventories, which the generator leaves out.
    const left = ['correction', 'attachment_added', 'audited'];
    expect([...types.keys()].sort()).toEqual(EVENT_TYPES.filter((t) => !left.includes(t)).sort());
    const states = new Map(await count('select state as key, count(*) as n from items group by 1'));
    expect([...states.keys()].sort()).toEqual([...PHYSICAL_STATES].sort());
    expect(states.get('stored')! / ITEMS).toBeGreaterThan(0.5);
    const categories = new Map(await count('select category as key, count(*) as n from items group by 1'));
    expect([...categories.keys()].sort()).toEqual([...CATEGORIES].sort());
    const [sizes] = await em().execute<{ smallest: number; largest: number; cases: string }[]>(
      `select min(n)::int as smallest, max(n)::int as largest, count(*) as cases
         from (select count(*) as n from items group by case_id) c`,
    );
    expect(sizes).toMatchObject({ smallest: 1 });
    expect(sizes!.largest).toBeGreaterThan(100);
    expect(sizes!.largest).toBeLessThanOrEqual(200);
    const [agencies] = await em().execute<{ n: number }[]>(
      'select count(distinct owning_agency_id)::int as n from items',
    );
    expect(agencies!.n).toBeGreaterThan(3);
    const [rows] = await em().execute<{ requests: number; loans: number; handovers: number; open: number }[]>(
      `select (select count(*)::int from requests) as requests,
              (select count(*)::int from requests where kind = 'loan' and status = 'carried_out') as loans,
              (select count(*)::int from handovers) as handovers,
              (select count(*)::int from alerts where status = 'open') as open`,
    );
    expect(rows!.requests).toBe(centre.requests);
    expect(rows!.loans).toBeGreaterThan(0);
    expect(rows!.handovers).toBeGreaterThan(0);
    expect(rows!.open).toBeGreaterThan(0);
  });

  test('passes a full verification, with every checkpoint signed along the way', async () => {
    const result = await verifyLedger(em(), { logKey: signer });
    expect(result).toMatchObject({ ok: true, failure: null, size: centre.events, root: centre.root });
    expect(result.itemsChecked).toBe(ITEMS);
    const [checkpoints] = await em().execute<{ n: number }[]>('select count(*)::int as n from checkpoints');
    expect(checkpoints!.n).toBeGreaterThan(1);
  });

  test('has the stored tree’s nodes as the append would have kept them', async () => {
    const [stored] = await em().execute<{ n: number; top: number }[]>(
      'select count(*)::int as n, max(level)::int as top from merkle_nodes',
    );
    let expected = 0;
    for (let level = TILE_LEVEL; 2 ** level <= centre.events; level++)
      expected += Math.floor(centre.events / 2 ** level);
    expect(stored).toEqual({ n: expected, top: Math.floor(Math.log2(centre.events)) });
    const lastTile = Math.floor(centre.events / TILE) - 1;
    for (const [level, index] of [
      [TILE_LEVEL, 0],
      [TILE_LEVEL, lastTile],
      [8, 7],
      [11, 5],
      [stored!.top, 0],
    ] as const) {
      const leaves = await em().execute<{ leaf_hash: Buffer }[]>(
        'select leaf_hash from ledger_events where idx >= ? and idx < ? order by idx',
        [index * 2 ** level, (index + 1) * 2 ** level],
      );
      const [node] = await em().execute<{ hash: Buffer }[]>(
        'select hash from merkle_nodes where level = ? and idx = ?',
        [level, index],
      );
      expect(node!.hash.toString('hex')).toBe(rootOf(leaves.map((l) => l.leaf_hash)).toString('hex'));
    }
  });

  test('a stored node that differs from its events is named by the full and the incremental verification', async () => {
    const [first] = await em().execute<{ size: string }[]>('select size from checkpoints order by size limit 1');
    const since = Number(first!.size);
    // A node of 256 events after the first checkpoint, which proofs and the signer read instead of them.
    const index = Math.floor(since / 256) + 2;
    const tamper = (hash: string) =>
      em().transactional(async (tx) => {
        await tx.execute('alter table merkle_nodes disable trigger merkle_nodes_append_only');
        await tx.execute(`update merkle_nodes set hash = ${hash} where level = 8 and idx = ?`, [index]);
        await tx.execute('alter table merkle_nodes enable trigger merkle_nodes_append_only');
      });
    await tamper('sha256(hash)');
    try {
      const reason = new RegExp(`stored Merkle node of events ${index * 256}–${(index + 1) * 256 - 1} \\(level 8`);
      const full = await verifyLedger(em(), { logKey: signer });
      expect(full).toMatchObject({ ok: false, failure: { index: null, reason: expect.stringMatching(reason) } });
      const incremental = await verifySince(em(), since, { logKey: signer });
      expect(incremental).toMatchObject({ ok: false, failure: { reason: expect.stringMatching(reason) } });
    } finally {
      const [leaves] = await em().execute<{ hashes: Buffer[] }[]>(
        'select array_agg(leaf_hash order by idx) as hashes from ledger_events where idx >= ? and idx < ?',
        [index * 256, (index + 1) * 256],
      );
      await tamper(`'\\x${rootOf(leaves!.hashes).toString('hex')}'`);
    }
    expect(await verifySince(em(), since, { logKey: signer })).toMatchObject({ ok: true });
  });

  test('has items rows that are the projection of their events', async () => {
    // The items with the longest histories, and a spread of the others (verification checks them all).
    const rows = await em().execute<Record<string, unknown>[]>(
      `(select ${ITEM_SELECT} from items i order by i.last_seq desc, i.id limit 50)
       union all (select ${ITEM_SELECT} from items i where i.id::text like '0%' limit 150)`,
    );
    expect(rows.length).toBeGreaterThan(100);
    for (const row of rows) {
      const item = rowToState(row);
      expect(await replayed(item.id)).toEqual(item);
    }
  });

  test('is the same centre again for the same seed, and only ever in an empty ledger', async () => {
    // Two small centres side by side: most of the time is PostgreSQL's creating and migrating the databases.
    const small = async () => {
      const again = await createTestDatabase();
      const other = await initOrm({ url: again.url, poolMax: 2 });
      try {
        await migrate(other);
        const made = await generateCentre(other, { items: 300, seed: 18 });
        const [head] = await other.em.fork().execute<{ root: Buffer }[]>('select root from ledger_head');
        expect(head!.root.toString('hex')).toBe(made.root);
        return made;
      } finally {
        await other.close(true);
        await again.drop();
      }
    };
    const [first, second] = await Promise.all([small(), small()]);
    expect(first!.items).toBe(300);
    expect(second!.root).toBe(first!.root);
    expect(second!.events).toBe(first!.events);
    await expect(generateCentre(orm, { items: 10, seed: 18 })).rejects.toThrow(/empty ledger/);
  });
});

describe('the server on the generated centre', () => {
  let warehouse: Caller;
  beforeAll(async () => {
    warehouse = (await loadCaller(em(), { username: 'sc-centre-warehouse1' }))!;
  });

  test('appends to it and signs a checkpoint consistent with the generated ones', async () => {
    const [row] = await em().execute<Record<string, unknown>[]>(
      `select ${ITEM_SELECT} from items i where i.state = 'stored' order by i.code limit 1`,
    );
    const before = rowToState(row!);
    await recordLabelPrints(em(), warehouse, [before.code], {
      copies: 1,
      format: 'pdf',
      size: '100x50mm',
      reason: '标签污损',
    });
    // The signer proves the new tree consistent with the last generated checkpoint, from the generated tiles
    // and the head's frontier, and refuses to sign otherwise.
    const checkpoint = await signCheckpoint(em(), { signer, file: null });
    expect(checkpoint!.size).toBe(centre.events + 1);
    expect(openCheckpoint(checkpoint!.note, signer)).toMatchObject({ size: centre.events + 1 });
    // The item's chain went on from its generated events: the new event follows them, and the row is their replay.
    const [after] = await em().execute<Record<string, unknown>[]>(`select ${ITEM_SELECT} from items i where i.id = ?`, [
      before.id,
    ]);
    expect(rowToState(after!)).toMatchObject({ lastSeq: before.lastSeq + 1, labelPrints: before.labelPrints + 1 });
    expect(await replayed(before.id)).toEqual(rowToState(after!));
  });
});

// ------------------------------------------------------------------------------------- the search's plans

interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** The plans of the queries searchItems sends for `filters` (its page and its count), as EXPLAIN gives them. */
async function searchPlans(caller: Caller, filters: Partial<ItemFilters>): Promise<[string, PlanNode][]> {
  const queries = await searchQueriesFor(em(), caller, {
    sort: 'lastEventAt',
    order: 'desc',
    limit: 50,
    offset: 0,
    ...filters,
  });
  const plans: [string, PlanNode][] = [];
  // The estimate is planned for its expected rows, never run.
  for (const [name, { sql, params }] of Object.entries(queries).filter(([name]) => name !== 'estimate')) {
    const [row] = await em().execute<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(`explain (format json) ${sql}`, params);
    plans.push([name, row!['QUERY PLAN'][0]!.Plan]);
  }
  return plans;
}

/** Nodes that hand rows up as they read them, so that a Limit above them stops what is below. */
const STREAMING = ['Nested Loop', 'Merge Join', 'Memoize', 'Result', 'Incremental Sort', 'Gather Merge', 'Append'];

/**
 * The reads of `tables` in a plan that an index does not bound: a Seq Scan, or an index read whole (no
 * index condition, and no Limit that stops it). A Bitmap Heap Scan is bounded by its Bitmap Index Scan.
 */
function unboundedReads(node: PlanNode, tables: string[], limited = false): string[] {
  const type = node['Node Type'];
  const relation = node['Relation Name'];
  const bounded =
    type === 'Bitmap Heap Scan' ||
    ((type === 'Index Scan' || type === 'Index Only Scan') && (node['Index Cond'] !== undefined || limited));
  const own = relation && tables.includes(relation) && !bounded ? [`${type} on ${relation}`] : [];
  const below = (child: PlanNode) =>
    type === 'Limit' ||
    (limited && (STREAMING.includes(type) || (type === 'Hash Join' && child['Parent Relationship'] === 'Outer')));
  return [...own, ...(node.Plans ?? []).flatMap((child) => unboundedReads(child, tables, below(child)))];
}

describe('an item search’s total', () => {
  const search = async (filters: Partial<ItemFilters>) => {
    const caller = (await loadCaller(em(), { username: 'sc-centre-warehouse1' }))!;
    return searchItems(em(), caller, { sort: 'lastEventAt', order: 'desc', limit: 20, offset: 0, ...filters });
  };
  const count = async (where: string) =>
    (await em().execute<{ n: number }[]>(`select count(*)::int as n from items i where ${where}`))[0]!.n;

  test('is counted up to the bound, and above it says only that more match', async () => {
    expect(await count('true')).toBeGreaterThan(TOTAL_BOUND);
    expect(await search({})).toMatchObject({ total: TOTAL_BOUND, totalExact: false });
    // Far past the bound, a page still comes, with the same answer about the total.
    const far = await search({ sort: 'code', offset: TOTAL_BOUND + 500 });
    expect(far.items).toHaveLength(20);
    expect(far).toMatchObject({ total: TOTAL_BOUND, totalExact: false });
  });

  test('is exact below the bound, and within a case', async () => {
    const onLoan = await search({ state: 'on_loan' });
    expect(onLoan).toMatchObject({ total: await count(`state = 'on_loan'`), totalExact: true });
    const [largest] = await em().execute<{ id: string; n: number }[]>(
      'select case_id as id, count(*)::int as n from items group by 1 order by 2 desc limit 1',
    );
    expect(await search({ caseId: largest!.id, limit: 5 })).toMatchObject({ total: largest!.n, totalExact: true });
    // A short last page tells the total without counting.
    const last = await search({ state: 'on_loan', sort: 'code', offset: onLoan.total - 3 });
    expect(last).toMatchObject({ total: onLoan.total, totalExact: true });
    expect(last.items).toHaveLength(3);
  });

  test('is not counted when the planner expects ten times the bound and more', async () => {
    const stored = await count(`state = 'stored'`);
    expect(stored).toBeLessThan(TOTAL_BOUND);
    expect(await search({ state: 'stored' })).toMatchObject({ total: stored, totalExact: true });
    // The planner told that the items are a hundred times as many (its estimates scale with the row count
    // it keeps in pg_class), in a transaction that is then undone: the total is then given as more than the
    // bound, without the count that would have said otherwise.
    const caller = (await loadCaller(em(), { username: 'sc-centre-warehouse1' }))!;
    const told = await em()
      .transactional(async (tx) => {
        await tx.execute(`update pg_class set reltuples = reltuples * 100 where oid = 'items'::regclass`);
        const answer = await searchItems(tx, caller, {
          state: 'stored',
          sort: 'lastEventAt',
          order: 'desc',
          limit: 20,
          offset: 0,
        });
        throw Object.assign(new Error('undone'), { answer });
      })
      .catch((err: { answer?: unknown }) => err.answer);
    expect(told).toMatchObject({ total: TOTAL_BOUND, totalExact: false });
    expect(await search({ state: 'stored' })).toMatchObject({ total: stored, totalExact: true });
  });

  test('of an officer is counted exactly as the matches are found, and the page is the one read in order', async () => {
    const caller = (await loadCaller(em(), { username: 'sc-p01-officer1' }))!;
    const filters = (more: Partial<ItemFilters>): ItemFilters => ({
      sort: 'lastEventAt',
      order: 'desc',
      limit: 20,
      offset: 0,
      ...more,
    });
    for (const [name, asked] of SEARCHES) {
      const f = filters({ ...asked(centre.sample), offset: 20 });
      const found = await searchItems(em(), caller, f);
      // The same search read in the asked order and filtered, as a caller who sees every item's is.
      const { page, count } = searchQueries(caller, f);
      const inOrder = await em().execute<{ code: string }[]>(page.sql, page.params);
      const [all] = await em().execute<{ n: number }[]>(
        count.sql.replace(/ limit \d+\) matched$/, ') matched'),
        count.params,
      );
      expect({ name, codes: found.items.map((i) => i.code), total: found.total, exact: found.totalExact }).toEqual({
        name,
        codes: inOrder.map((i) => i.code),
        total: all!.n,
        exact: true,
      });
    }
  });

  test('of the due lists is counted the same way, not by reading every match', async () => {
    const caller = (await loadCaller(em(), { username: 'sc-centre-warehouse1' }))!;
    const first = await dueItems(em(), caller, 'reviews_due', { limit: 20, offset: 0 });
    expect(first.items).toHaveLength(20);
    expect(first.totalExact).toBe(true);
    const last = await dueItems(em(), caller, 'reviews_due', { limit: 20, offset: first.total - 3 });
    expect(last).toMatchObject({ total: first.total, totalExact: true });
    expect(last.items).toHaveLength(3);
  });
});

describe.each(['warehouse', 'officer'] as const)('an item search by %s staff', (who) => {
  let caller: Caller;
  beforeAll(async () => {
    caller = (await loadCaller(em(), { username: who === 'warehouse' ? 'sc-centre-warehouse1' : 'sc-p01-officer1' }))!;
  });

  for (const [name, filters, also = []] of SEARCHES) {
    test(`${name}: reads only through indexes, its page and its count`, async () => {
      for (const [query, plan] of await searchPlans(caller, filters(centre.sample))) {
        const reads = unboundedReads(plan, ['items', 'ledger_events', ...also]);
        expect({ query, reads }).toEqual({ query, reads: [] });
      }
    });
  }
});

// ---------------------------------------------------------------------------- the dashboard and the places

const COUNT_TABLES = 'item_counts, item_time_counts, item_review_counts, item_place_counts, alert_counts, item_places';

describe('the dashboard of the generated centre', () => {
  // As autovacuum would have by now: the generator's own VACUUM (ANALYZE) names the tables it writes.
  beforeAll(async () => void (await em().execute(`analyze ${COUNT_TABLES}`)));

  test('has the counts its rows give, counted as they were loaded by COPY', async () => {
    expect(await countTables(em(), 'kept')).toEqual(await countTables(em(), 'counted'));
  });

  test.each(['sc-centre-warehouse1', 'sc-p01-officer1'])(
    'reads none of the items, ledger or alerts whole, for %s',
    async (username) => {
      const caller = (await loadCaller(em(), { username }))!;
      const { bounds } = await lastWeeks(em(), new Date().toISOString(), 'Asia/Shanghai', 52);
      for (const [query, { sql, params }] of Object.entries(dashboardQueries(caller, bounds))) {
        const [row] = await em().execute<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(
          `explain (format json) ${sql}`,
          params,
        );
        const reads = unboundedReads(row!['QUERY PLAN'][0]!.Plan, ['items', 'ledger_events', 'alerts']);
        expect({ query, reads }).toEqual({ query, reads: [] });
      }
    },
  );
});

type Analyzed = PlanNode & { 'Actual Rows': number; 'Actual Loops': number; Plans?: Analyzed[] };

/** The rows each Sort of a plan was given (all its loops), as EXPLAIN ANALYZE counted them. */
const sorted = (node: Analyzed): number[] => [
  ...(node['Node Type'].endsWith('Sort') ? [node.Plans![0]!['Actual Rows'] * node.Plans![0]!['Actual Loops']] : []),
  ...(node.Plans ?? []).flatMap(sorted),
];

// An officer's agency holds few of the centre's items (searchQueriesFor): those it holds there are sorted,
// bounded by what the agency holds, not by the subtree.
describe('a location subtree’s page', () => {
  const PAGE = 50;
  test.each([
    ['sc-centre-warehouse1', 'a zone', 0],
    ['sc-centre-warehouse1', 'a zone', 1000],
    ['sc-centre-warehouse1', 'the site', 0],
    ['sc-p01-officer1', 'a zone', 0],
    ['sc-p01-officer1', 'the site', 0],
  ] as const)('for %s, of %s, from item %d, sorts no more rows than it must', async (username, place, offset) => {
    const caller = (await loadCaller(em(), { username }))!;
    const [site] = await em().execute<{ code: string }[]>(`select code from locations where kind = 'site'`);
    const location = place === 'the site' ? site!.code : centre.sample.zoneCode;
    const { page } = await searchQueriesFor(em(), caller, {
      location,
      sort: 'lastEventAt',
      order: 'desc',
      limit: PAGE,
      offset,
    });
    const [row] = await em().execute<{ 'QUERY PLAN': { Plan: Analyzed }[] }[]>(
      `explain (analyze, format json) ${page.sql}`,
      page.params,
    );
    const plan = row!['QUERY PLAN'][0]!.Plan;
    expect(plan['Actual Rows']).toBe(PAGE);
    const held = `select count(*)::int as n from items where held_by_agency_ids @> array[?::uuid]`;
    const most = seesAllItems(caller)
      ? offset + PAGE
      : (await em().execute<{ n: number }[]>(held, [caller.agencyId]))[0]!.n;
    for (const rows of sorted(plan)) expect(rows).toBeLessThanOrEqual(most);
  });
});
