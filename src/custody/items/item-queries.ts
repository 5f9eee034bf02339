import type { EntityManager } from '@mikro-orm/postgresql';
import { canSeeItem, isOfferedTo, itemVisibility, notFound } from './access';
import { seesAllItems, type Caller } from '../directory/caller';
import type { Envelope } from '../ledger/events';
import type { Category, PhysicalState } from './item-kinds';
import { formatItemCode } from './item-code';
import { readItemCode } from './item-code-rules';
import { ITEM_SELECT, rowToState } from '../ledger/append';
import type { ItemState } from './projection';
import { arrayLiteral, type Sql } from '../sql';
import { allowedCommands } from './state-machine';

/** An item with the names people read beside the ids. */
export interface ItemView extends ItemState {
  caseNumber: string;
  owningAgencyCode: string;
  locationCode: string | null;
  holderUsername: string | null;
}

const VIEW_SELECT = `${ITEM_SELECT}, c.case_number as "caseNumber", a.code as "owningAgencyCode",
  l.code as "locationCode", u.username as "holderUsername"`;
const VIEW_FROM = `items i join cases c on c.id = i.case_id join agencies a on a.id = i.owning_agency_id
  left join locations l on l.id = i.location_id left join users u on u.id = i.holder_user_id`;

const toView = (row: Record<string, unknown>): ItemView => rowToState(row) as ItemView;

/** The case number and owning agency's code of items, by code: the names an answer shows beside the ids. */
export async function itemNames(
  sql: Sql,
  codes: string[],
): Promise<Map<string, Pick<ItemView, 'caseNumber' | 'owningAgencyCode'>>> {
  const rows = await sql.execute<{ code: string; caseNumber: string; owningAgencyCode: string }[]>(
    `select i.code, c.case_number as "caseNumber", a.code as "owningAgencyCode"
       from items i join cases c on c.id = i.case_id join agencies a on a.id = i.owning_agency_id where i.code = any (?::text[])`,
    [arrayLiteral(codes)],
  );
  return new Map(rows.map(({ code, ...names }) => [code, names]));
}

export interface ItemFilters {
  caseId?: string;
  state?: PhysicalState;
  category?: Category;
  location?: string;
  agency?: string;
  q?: string;
  caseNumber?: string;
  seizedFrom?: string;
  seizedTo?: string;
  reviewDue?: boolean;
  sort: 'code' | 'itemNo' | 'lastEventAt' | 'reviewDate' | 'loanDueAt' | 'category' | 'state';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

const SORT_COLUMNS: Record<ItemFilters['sort'], string> = {
  code: 'i.code',
  itemNo: 'i.case_id, i.item_no',
  lastEventAt: 'i.last_event_at',
  reviewDate: 'i.review_date',
  loanDueAt: 'i.loan_due_at',
  category: 'i.category',
  state: 'i.state',
};

/** Sort orders that are unique by themselves: no tie to break. */
const UNIQUE_SORTS = new Set<ItemFilters['sort']>(['code', 'itemNo']);

const REVIEW_DUE = `i.state <> 'disposed' and i.review_date <= current_date`;

/**
 * The most a search counts: a broader one says only that it found more (counting every match of a broad
 * search reads every match, and a centre may hold a million items).
 */
export const TOTAL_BOUND = 10_000;

/** The column of a page that carries how many items matched, when the page's query counted them. */
const MATCHED = 'matchedTotal';

/**
 * How many times the bound the planner must expect a search to match for its total to be given as more than
 * the bound without counting. Counting ten thousand matches of a common word through its text index costs
 * some 30 ms at a million items. The planner estimates a filter, the text's grams among them, from what its
 * column holds; ten times too many it expects only of filters of several columns that exclude each other.
 */
const ESTIMATE_MARGIN = 10;

/** The rows the planner expects a query to give. */
async function plannedRows(sql: Sql, query: SearchQuery): Promise<number> {
  const [row] = await sql.execute<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }[]>(
    `explain (format json) ${query.sql}`,
    query.params,
  );
  return row!['QUERY PLAN'][0]!.Plan['Plan Rows'];
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Conditions that `columns` contain `text`, case-insensitively: `matches`, the ilike that decides, and
 * `indexed`, which a GIN index on `grams` (custody_grams of the columns) serves. The grams (characters and pairs
 * of characters, as a two-character Chinese word needs; pg_trgm's trigrams need three) find the candidates; a
 * text that matches always has them, so `indexed` is implied by `matches` and never needs computing for a row
 * read from the index: a separate condition, it is the index's own and not a filter of each row.
 */
const containing = (grams: string, columns: string[], text: string) => ({
  matches: { sql: columns.map((c) => `${c} ilike ?`).join(' or '), params: columns.map(() => likePattern(text)) },
  indexed: { sql: `${grams} @> custody_query_grams(?)`, params: [text] },
});

export interface SearchQuery {
  sql: string;
  params: unknown[];
}

/**
 * The two queries of a search: its page, and its matches counted, up to TOTAL_BOUND + 1 (all of them within a
 * case, which bounds them). Each reads the items through an index: tests/scale.test.ts checks their plans.
 */
export function searchQueries(
  caller: Caller,
  f: ItemFilters,
  { placeId, visibleFirst = false }: { placeId?: string | null; visibleFirst?: boolean } = {},
): { page: SearchQuery; count: SearchQuery; estimate: SearchQuery } {
  const visibility = itemVisibility(caller);
  const where = [visibility.sql];
  const params: unknown[] = [...visibility.params];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (f.caseId) add('i.case_id = ?', f.caseId);
  if (f.state) add('i.state = ?', f.state);
  if (f.category) add('i.category = ?', f.category);
  if (f.agency) add('i.owning_agency_id = (select id from agencies where code = ?)', f.agency);
  if (f.reviewDue) add(REVIEW_DUE);
  if (f.caseNumber) {
    const { matches, indexed } = containing('custody_grams(c.case_number)', ['c.case_number'], f.caseNumber);
    add(
      `i.case_id in (select c.id from cases c where ${indexed.sql} and (${matches.sql}))`,
      ...indexed.params,
      ...matches.params,
    );
  }
  if (f.seizedFrom) add('i.seized_at >= ?::timestamptz', f.seizedFrom);
  if (f.seizedTo) add('i.seized_at < ?::timestamptz', f.seizedTo);
  // A place and everything below it, in the default order: read from item_places, where the subtree is one
  // key of an index in that order, so that the page stops at its limit. In another order, the subtree's items
  // (found by their own places) are sorted.
  const inPlace = f.location !== undefined && placeId !== undefined;
  if (f.location && !inPlace) {
    add(
      `i.location_id in (select s.id from locations s join locations top on s.path like top.path || '%' where top.code = ?)`,
      f.location,
    );
  }
  let [beforeRecheck, paramsBeforeRecheck] = [Infinity, Infinity];
  if (f.q) {
    // The code (typed as people type it) by its own unique index, or the text in the description, serial or seal number.
    const { matches, indexed } = containing(
      'custody_grams(i.description, i.serial_number, i.seal_number)',
      ['i.description', 'i.serial_number', 'i.seal_number'],
      f.q,
    );
    const reading = readItemCode(f.q);
    const code = reading.ok ? reading.code : f.q.toUpperCase();
    // A caller's few items are read whole: the bitmap of every item with the text's grams (a tenth of a
    // million for 手机) would cost more than reading them.
    if (!visibleFirst) add(`(i.code = ? or ${indexed.sql})`, code, ...indexed.params);
    [beforeRecheck, paramsBeforeRecheck] = [where.length, params.length];
    add(`(i.code = ? or ${matches.sql})`, code, ...matches.params);
  }
  // The matches as the indexes find them, for the planner's estimate of how many there are: its estimate of
  // a text's `ilike` is a fixed guess, and the grams are estimated from what the column holds.
  const found = where.slice(0, beforeRecheck);
  const estimate = {
    sql: `select 1 from items i where ${found.join(' and ')}`,
    params: params.slice(0, paramsBeforeRecheck),
  };
  const direction = f.order === 'asc' ? 'asc' : 'desc';
  // Ties broken by the id in the same direction, so that an index on (column, id) reads a page in order.
  const columns = [...SORT_COLUMNS[f.sort].split(', '), ...(UNIQUE_SORTS.has(f.sort) ? [] : ['i.id'])];
  const orderBy = columns.map((column) => `${column} ${direction}`).join(', ');
  const bound = f.caseId ? '' : ` limit ${TOTAL_BOUND + 1}`;
  if (inPlace) {
    const place = `p.place_id = ?::uuid`;
    const placed = `p.last_event_at ${direction}, p.item_id ${direction}`;
    // Read from the index alone when nothing else is asked of the items.
    const [items, itemParams] =
      where.length === 1 && where[0] === 'true'
        ? ['', []]
        : [`join items i on i.id = p.item_id and ${where.join(' and ')}`, params];
    return {
      page: {
        sql: `select ${VIEW_SELECT} from ${VIEW_FROM} where i.id in (select p.item_id from item_places p ${items}
                where ${place} order by ${placed} limit ? offset ?) order by ${orderBy}`,
        params: [...itemParams, placeId, f.limit, f.offset],
      },
      count: {
        sql: `select count(*)::int as n from (select 1 from item_places p ${items} where ${place}${bound}) matched`,
        params: [...itemParams, placeId],
      },
      // Over-estimated, an estimate would say "more" of too few: this one errs the other way.
      estimate: { sql: `select 1 from item_places p ${items} where ${place}`, params: [...itemParams, placeId] },
    };
  }
  const count = {
    sql: `select count(*)::int as n from (select 1 from items i where ${where.join(' and ')}${bound}) matched`,
    params,
  };
  if (visibleFirst) {
    // Every match found first (see searchQueriesFor), then sorted, and counted as they are there.
    const kept = ['i.id', ...columns.filter((c) => c !== 'i.id')].join(', ');
    return {
      page: {
        sql: `with matched as materialized (select ${kept} from items i where ${where.join(' and ')})
              select ${VIEW_SELECT}, (select count(*) from matched)::int as "${MATCHED}" from ${VIEW_FROM}
               where i.id in (select i.id from matched i order by ${orderBy} limit ? offset ?) order by ${orderBy}`,
        params: [...params, f.limit, f.offset],
      },
      count,
      estimate,
    };
  }
  return {
    page: {
      // The page's ids first, from the items alone, and only then their names: a far page (offset 5,000) is
      // not 5,050 rows joined to their case, agency, place and holder.
      sql: `select ${VIEW_SELECT} from ${VIEW_FROM} where i.id in (select i.id from items i where ${where.join(' and ')}
              order by ${orderBy} limit ? offset ?) order by ${orderBy}`,
      params: [...params, f.limit, f.offset],
    },
    count,
    estimate,
  };
}

/**
 * The most items a caller who does not see every item may see for its searches to find all of their matches
 * before sorting them. Found by the agency's own index and sorted, a few tens of thousands cost a few
 * milliseconds, whatever the filters; read in the order asked and filtered instead, a page of an agency that
 * holds one item in a hundred, with filters its items rarely match (a zone of another agency's, the old items
 * due for review among the newest), walked past tens of thousands of others' items (issue 18: 45 ms at a
 * million items, where the planner, which cannot know that an agency's items and a place go together, hoped
 * for the page among the first thousand).
 */
const VISIBLE_FIRST_BOUND = 30_000;

/**
 * The queries searchItems sends. A caller who sees few items (the kept counts tell how many) has its matches
 * found first. A subtree search in the default order looks up its place first (null if there is none), so
 * that the planner judges by its id how many items it holds.
 */
export async function searchQueriesFor(sql: Sql, caller: Caller, f: ItemFilters) {
  if (!seesAllItems(caller)) {
    const [visible] = await sql.execute<{ n: number }[]>(
      'select coalesce(sum(n), 0)::int as n from item_counts where viewer = ?',
      [caller.agencyId],
    );
    if (visible!.n <= VISIBLE_FIRST_BOUND) return searchQueries(caller, f, { visibleFirst: true });
  }
  if (f.location === undefined || f.sort !== 'lastEventAt') return searchQueries(caller, f);
  const [place] = await sql.execute<{ id: string }[]>('select id from locations where code = ?', [f.location]);
  return searchQueries(caller, f, { placeId: place?.id ?? null });
}

/**
 * A page of the items the caller may see that match `f`, and how many match: exactly, or (`totalExact`
 * false) TOTAL_BOUND when more do.
 */
export async function searchItems(
  em: EntityManager,
  caller: Caller,
  f: ItemFilters,
): Promise<{ items: ItemView[]; total: number; totalExact: boolean }> {
  const { page, count, estimate } = await searchQueriesFor(em, caller, f);
  const rows = await em.execute<Record<string, unknown>[]>(page.sql, page.params);
  const items = rows.map(({ [MATCHED]: _, ...row }) => toView(row));
  // A page short of its limit holds the last of the matches, so it tells how many there are.
  if (rows.length < f.limit && (rows.length > 0 || f.offset === 0)) {
    return { items, total: f.offset + rows.length, totalExact: true };
  }
  const matched = rows[0]?.[MATCHED];
  if (typeof matched === 'number') return { items, total: matched, totalExact: true };
  if (!f.caseId && (await plannedRows(em, estimate)) >= ESTIMATE_MARGIN * TOTAL_BOUND) {
    return { items, total: TOTAL_BOUND, totalExact: false };
  }
  const [counted] = await em.execute<{ n: number }[]>(count.sql, count.params);
  const n = counted?.n ?? 0;
  return n > TOTAL_BOUND && !f.caseId
    ? { items, total: TOTAL_BOUND, totalExact: false }
    : { items, total: n, totalExact: true };
}

/** Items by id, in case and item-number order, for documents whose visibility was checked on the document. */
export async function itemViewsById(em: EntityManager, ids: string[]): Promise<ItemView[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select ${VIEW_SELECT} from ${VIEW_FROM} where i.id = any (?::uuid[]) order by c.case_number, i.item_no`,
    [`{${ids.join(',')}}`],
  );
  return rows.map(toView);
}

async function itemViewByCode(em: EntityManager, code: string): Promise<ItemView | undefined> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `select ${VIEW_SELECT} from ${VIEW_FROM} where i.code = ?`,
    [code],
  );
  return row && toView(row);
}

/** An item the caller may see, and so act on. */
export async function findItemView(em: EntityManager, caller: Caller, code: string): Promise<ItemView> {
  const view = await itemViewByCode(em, code);
  if (!view || !canSeeItem(caller, view)) throw notFound(code);
  return view;
}

/**
 * An item the caller may read: one it may see, or one a transfer offers to its agency, which reads the
 * particulars, photographs and history before it accepts or refuses. For read routes only: acting on an item
 * still needs findItemView's (and withLockedItems') rule.
 */
export async function findReadableItemView(em: EntityManager, caller: Caller, code: string): Promise<ItemView> {
  const view = await itemViewByCode(em, code);
  if (!view || !(canSeeItem(caller, view) || (await isOfferedTo(em, caller, view.id)))) throw notFound(code);
  return view;
}

/** The item's photographs, oldest first (signatures and document scans are attachments too, but not these). */
export async function itemPhotos(
  em: EntityManager,
  itemId: string,
): Promise<{ id: string; filename: string | null }[]> {
  return em.execute<{ id: string; filename: string | null }[]>(
    `select id, filename from attachments where item_id = ? and kind = 'photo' order by created_at, id`,
    [itemId],
  );
}

export function presentItem(view: ItemView) {
  const { lastHash, lastSeq, heldByAgencyIds, ...rest } = view;
  return {
    ...rest,
    displayCode: formatItemCode(view.code),
    eventCount: lastSeq,
    lastLeafHash: lastHash,
    heldByAgencyIds,
    allowedCommands: allowedCommands(view.state),
  };
}

export interface EventView {
  index: number;
  itemSeq: number;
  type: Envelope['type'];
  leafHash: string;
  prevItemHash: string | null;
  envelope: Envelope;
  canonical: string;
  actorName: string | null;
}

export async function itemEvents(
  em: EntityManager,
  itemId: string,
  limit: number,
  offset: number,
): Promise<EventView[]> {
  const rows = await em.execute<
    {
      idx: string;
      item_seq: number;
      type: Envelope['type'];
      canonical: string;
      leaf_hash: Buffer;
      prev_item_hash: Buffer | null;
      actor_name: string | null;
    }[]
  >(
    `select e.idx, e.item_seq, e.type, e.canonical, e.leaf_hash, e.prev_item_hash, u.display_name as actor_name
       from ledger_events e left join users u on u.id = e.actor_id
      where e.item_id = ? order by e.item_seq limit ? offset ?`,
    [itemId, limit, offset],
  );
  return rows.map((r) => ({
    index: Number(r.idx),
    itemSeq: r.item_seq,
    type: r.type,
    leafHash: r.leaf_hash.toString('hex'),
    prevItemHash: r.prev_item_hash?.toString('hex') ?? null,
    envelope: JSON.parse(r.canonical) as Envelope,
    canonical: r.canonical,
    actorName: r.actor_name,
  }));
}

export const DUE_LISTS = {
  loans_overdue: {
    condition: `i.state = 'on_loan' and i.loan_due_at < now()`,
    date: `to_char(i.loan_due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  },
  reviews_due: {
    condition: REVIEW_DUE,
    date: `to_char(i.review_date, 'YYYY-MM-DD')`,
  },
} as const;
export type DueListKind = keyof typeof DUE_LISTS;

/**
 * A page of the caller's items on loan past their due date, or due for their disposal review, soonest first,
 * and how many there are: exactly, or (`totalExact` false) TOTAL_BOUND when more are.
 */
export async function dueItems(
  em: EntityManager,
  caller: Caller,
  kind: DueListKind,
  page: { limit: number; offset: number },
) {
  const { condition, date } = DUE_LISTS[kind];
  const visibility = itemVisibility(caller);
  const where = `${condition} and ${visibility.sql}`;
  const rows = await em.execute<{ code: string; description: string; due_on: string; holder_name: string | null }[]>(
    `select i.code, i.description, ${date} as due_on, i.holder_name from items i
      where ${where} order by ${date}, i.code limit ? offset ?`,
    [...visibility.params, page.limit, page.offset],
  );
  const items = rows.map((r) => ({
    code: r.code,
    description: r.description,
    date: r.due_on,
    holderName: r.holder_name,
  }));
  // As searchItems counts: a short page tells the total, and otherwise the count stops past the bound.
  if (rows.length < page.limit && (rows.length > 0 || page.offset === 0))
    return { items, total: page.offset + rows.length, totalExact: true };
  const [counted] = await em.execute<{ n: number }[]>(
    `select count(*)::int as n from (select 1 from items i where ${where} limit ${TOTAL_BOUND + 1}) matched`,
    visibility.params,
  );
  const n = counted?.n ?? 0;
  return n > TOTAL_BOUND ? { items, total: TOTAL_BOUND, totalExact: false } : { items, total: n, totalExact: true };
}
