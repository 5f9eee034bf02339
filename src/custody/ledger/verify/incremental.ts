import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { ITEM_SELECT, rowToState } from '../append';
import { Frontier, frontierRanges, leafHash, type RangeRoots } from '../merkle';
import { ledgerRangeRoots } from '../tree-store';
import { pgSql, withPgConnection, type Sql } from '../../sql';
import { ItemReplay, missingIndex } from './replay';
import { StoredNodeCheck } from './stored-nodes';
import { checkCheckpoint, compareItemRows, type VerifyFailure, type VerifyOptions, type VerifyResult } from './verify';

/** New events read per statement: a day's worth of a busy centre takes a few. */
const BATCH = 10_000;

/** What an incremental verification leaves to a full one, as its result says. */
export const notCovered = (since: number) =>
  `the ${since} events up to the checkpoint it starts from are not read again, only the tree's nodes below it ` +
  `(which must give its signed root) and the earlier events of the items that changed since: an edit to ` +
  `another event before it, or to the items row of an item unchanged since, is found by a full verification`;

interface EventRow {
  idx: string;
  item_id: string;
  item_seq: number;
  canonical: string;
  leaf_hash: Buffer;
  prev_item_hash: Buffer | null;
}

const EVENT_COLUMNS = 'idx, item_id, item_seq, canonical, leaf_hash, prev_item_hash';

/** The frontier of the first `size` leaves: the roots of its perfect subtrees, largest first, in one query. */
async function frontierAt(roots: RangeRoots, size: number): Promise<Frontier> {
  return new Frontier(size, await roots(frontierRanges(size)));
}

/** Folds an event row into the items' chains; why it does not fit, as a failure, or null. */
function replayRow(replay: ItemReplay, row: EventRow): VerifyFailure | null {
  const leaf = leafHash(row.canonical).toString('hex');
  const reason = replay.add(row.canonical, leaf, {
    itemId: row.item_id,
    itemSeq: row.item_seq,
    leafHash: row.leaf_hash.toString('hex'),
    prevItemHash: row.prev_item_hash?.toString('hex') ?? null,
  });
  return reason === null ? null : { index: Number(row.idx), itemId: row.item_id, reason };
}

/**
 * Verifies what was appended after the signed checkpoint of `since` events: the checkpoint's signature
 * and root, rebuilt from the stored tree's O(log n) nodes below it; then each new event as a full
 * verification checks it (leaf hash, canonical form, chain, gap-free index), extending the tree to every
 * later checkpoint and the head; and the items rows of the items those events touched, against a replay of
 * each one's whole chain. Its cost grows with the new events and the histories of the items they touched,
 * not with the ledger; what it does not read again is named in `notCovered`.
 */
export async function verifySince(
  em: EntityManager,
  since: number,
  { logKey, onProgress }: Pick<VerifyOptions, 'logKey' | 'onProgress'> = {},
): Promise<VerifyResult> {
  // The tree's nodes below the checkpoint are immutable, and are read (and any missing one kept) outside the
  // read-only snapshot; the signed root they must give is what vouches for them.
  const start = await frontierAt(ledgerRangeRoots(em.fork()), since);
  return withPgConnection(em, async (client) => {
    await client.query('begin isolation level repeatable read read only');
    try {
      return await verifyOn(client, start, { logKey, onProgress });
    } finally {
      await client.query('rollback').catch(() => undefined);
    }
  });
}

async function verifyOn(
  client: pg.ClientBase,
  frontier: Frontier,
  { logKey, onProgress }: Pick<VerifyOptions, 'logKey' | 'onProgress'>,
): Promise<VerifyResult> {
  const sql: Sql = pgSql(client);
  const since = frontier.size;
  const checkedAt = new Date().toISOString();
  const replay = new ItemReplay();
  let eventsChecked = 0;
  let lastCheckpoint: number | null = null;
  const result = (failure: VerifyFailure | null): VerifyResult => ({
    ok: failure === null,
    size: frontier.size,
    root: frontier.root().toString('hex'),
    checkedAt,
    itemsChecked: replay.items.size,
    since,
    eventsChecked,
    notCovered: notCovered(since),
    checkpoint: lastCheckpoint,
    failure,
  });
  const [head] = await sql.execute<{ size: string; frontier: Buffer; root: Buffer }[]>(
    'select size, frontier, root from ledger_head',
  );
  const headSize = Number(head!.size);
  const [from] = await sql.execute<{ size: string; root: Buffer; note: string }[]>(
    'select size, root, note from checkpoints where size = ?',
    [since],
  );
  if (!from) {
    return result({ index: null, itemId: null, reason: `no checkpoint was signed at ${since} events` });
  }
  const bad = checkCheckpoint(from, frontier.root(), logKey);
  if (bad) {
    return result({
      index: null,
      itemId: null,
      reason: `${bad}; the stored tree below it cannot be trusted, and only a full verification can say more`,
    });
  }
  lastCheckpoint = since;

  // The items that changed since, and their chains up to the checkpoint: their hashes and links are checked
  // again, and they give each item's state to carry on from.
  const touched = (
    await sql.execute<{ item_id: string }[]>('select distinct item_id from ledger_events where idx >= ?', [since])
  ).map((r) => r.item_id);
  const earlier = await sql.execute<EventRow[]>(
    `select ${EVENT_COLUMNS} from ledger_events where item_id = any (?::uuid[]) and idx < ? order by item_id, item_seq`,
    [touched, since],
  );
  for (const row of earlier) {
    const failure = replayRow(replay, row);
    if (failure) return result(failure);
  }

  const later = await sql.execute<{ size: string; root: Buffer; note: string }[]>(
    'select size, root, note from checkpoints where size > ? order by size',
    [since],
  );
  const storedNodes = await StoredNodeCheck.load(sql, since);
  let next = 0;
  for (;;) {
    const rows = await sql.execute<EventRow[]>(
      `select ${EVENT_COLUMNS} from ledger_events where idx >= ? order by idx limit ${BATCH}`,
      [frontier.size],
    );
    for (const row of rows) {
      if (Number(row.idx) !== frontier.size) {
        return result({ index: frontier.size, itemId: null, reason: missingIndex(frontier.size, Number(row.idx)) });
      }
      const failure = replayRow(replay, row);
      if (failure) return result(failure);
      frontier.append(row.leaf_hash, storedNodes.completed);
      eventsChecked++;
      const due = later[next];
      if (due && Number(due.size) === frontier.size) {
        next++;
        const wrong = checkCheckpoint(due, frontier.root(), logKey);
        if (wrong) return result({ index: frontier.size - 1, itemId: null, reason: wrong });
        lastCheckpoint = frontier.size;
      }
    }
    onProgress?.(eventsChecked, headSize - since);
    if (rows.length < BATCH) break;
  }

  if (next < later.length) {
    return result({
      index: null,
      itemId: null,
      reason: `a checkpoint was signed at ${later[next]!.size} events, the ledger holds ${frontier.size}: events were removed`,
    });
  }
  if (frontier.size !== headSize) {
    return result({
      index: frontier.size,
      itemId: null,
      reason: `the head says ${headSize} events, the table holds ${frontier.size}`,
    });
  }
  if (!frontier.root().equals(head!.root) || !Buffer.concat(frontier.nodes).equals(head!.frontier)) {
    return result({
      index: null,
      itemId: null,
      reason: 'the Merkle root recomputed from the events differs from the head’s',
    });
  }
  const wrongNode = storedNodes.failure();
  if (wrongNode) return result(wrongNode);
  const rows = await sql.execute<Record<string, unknown>[]>(
    `select ${ITEM_SELECT} from items i where i.id = any (?::uuid[]) order by i.id`,
    [touched],
  );
  return result(compareItemRows(rows.map(rowToState), replay.items));
}
