import type { MikroORM } from '@mikro-orm/postgresql';
import { buildEnvelope, ITEM_COLUMNS } from '../../src/custody/ledger/append';
import { canonicalJson, type Json } from '../../src/custody/ledger/canonical-json';
import type { Envelope, EventType } from '../../src/custody/ledger/events';
import { Frontier, leafHash } from '../../src/custody/ledger/merkle';
import { TILE_LEVEL } from '../../src/custody/ledger/tree-store';
import { checkpointText, signNote, type NoteSigner } from '../../src/custody/ledger/note';
import { projectInPlace, type ItemState } from '../../src/custody/items/projection';
import type { DueKind } from '../../src/custody/items/alerts';
import { withPgConnection } from '../../src/custody/sql';
import { iso, Random, uuid, YEAR } from './seeded';
import { bytea, line, copy, timeOrNull } from './copy-text';
import { makeDirectory } from './directory';
import { Chunk, planCase, type Generator } from './plan';

/**
 * A centre at scale, written straight into PostgreSQL (issue 18): agencies and their people, a store of
 * zones, rooms, shelves and lockers, cases of 1–200 items of every category, and each item's whole life as
 * ledger events (registration, labels, hand-over or a locker, check-in, moves, legal holds, loans,
 * transfers, disposals, refused and cancelled requests, review dates and the alerts the server raises),
 * with the rows those commands write beside them (cases, requests, hand-overs, alerts).
 *
 * Nothing about the ledger is computed here: each event's envelope is built by the append's own
 * buildEnvelope, serialized by canonicalJson, hashed by leafHash and folded into the items row by the
 * projection; the tree is merkle.ts's Frontier, its stored nodes those that Frontier.append completes (as
 * custody_ledger_append keeps them), the checkpoints note.ts's signed notes.
 * So the generated ledger is what the server would have written, and `verifyLedger` passes.
 *
 * It is loaded by COPY, a few thousand items (all of their events) a transaction. The ledger's triggers
 * refuse UPDATE, DELETE and TRUNCATE, never INSERT, and let the head move forward: as the tables' owner the
 * generator inserts the events and then moves the head to the new size, frontier and root in the same
 * transaction, as custody_ledger_append does. Each transaction runs with session_replication_role =
 * replica (as pg_restore's --disable-triggers does), which skips the foreign-key checks and the change
 * stream's triggers (a history loaded at once is no news to a console) but not the ledger's guards, which
 * are ENABLE ALWAYS. That setting needs a superuser, as the owner is here and in the bench.
 *
 * The same seed gives the same centre, to the last hash: ids come from the seed, and times from `until`.
 */

export interface ScaleOptions {
  /** Items to make (a case is never split, so the last case may be cut short). */
  items: number;
  seed?: number;
  /** The centre's "now": its history spans the three years before. */
  until?: string;
  /** Signs a checkpoint after each transaction, as the server's signer would have along the way. */
  signer?: NoteSigner;
  /** Told after each transaction; by default a line on stderr for a centre of 50,000 items or more. */
  onProgress?: (progress: { items: number; events: number; seconds: number }) => void;
}

export interface GeneratedCentre {
  items: number;
  events: number;
  cases: number;
  requests: number;
  alerts: number;
  root: string;
  seconds: number;
  /** Names a search can be tried with: an agency, a zone and a case of it, one item's code. */
  sample: { agencyCode: string; zoneCode: string; caseNumber: string; itemCode: string };
}

/** Items a transaction: all of their events go together. */
const CHUNK_ITEMS = 4000;

const EVENT_COLUMNS =
  'idx, item_id, item_seq, type, actor_id, agency_id, request_id, occurred_at, recorded_at, canonical, leaf_hash, prev_item_hash';
const REQUEST_COLUMNS =
  'id, kind, status, agency_id, requester_id, reason, decided_by, decided_at, decision_note, borrower, purpose, due_at, to_agency_id, answered_by, answered_at, answer_note, method, order_reference, created_at, updated_at';
const CASE_COLUMNS = 'id, agency_id, case_number, title, opened_on, status, next_item_no, created_by, created_at';
const ALERT_COLUMNS =
  'id, kind, item_id, message, status, event_idx, created_at, resolved_at, resolved_by, resolution_note';

interface Built {
  events: string[];
  nodes: string[];
  items: string[];
  alerts: string[];
  lastAt: number;
  phone: string | undefined;
}

/** Builds a chunk's events in time order, through the append's own functions, and its items rows. */
async function build(g: Generator, chunk: Chunk, frontier: Frontier, alertsBefore: number): Promise<Built> {
  chunk.planned.sort((a, b) => a.t - b.t || a.item - b.item || a.order - b.order);
  const states: (ItemState | null)[] = new Array<ItemState | null>(chunk.itemIds.length).fill(null);
  const events: string[] = [];
  const nodes: string[] = [];
  const keep = (level: number, index: number, root: Buffer) => {
    if (level >= TILE_LEVEL) nodes.push(line([level, index, bytea(root.toString('hex'))]));
  };
  const alerts: { id: string; kind: DueKind; item: number; message: string; idx: number; t: number }[] = [];
  const dealt: { item: number; t: number; type: EventType }[] = [];
  let lastAt = 0;
  for (const [n, planned] of chunk.planned.entries()) {
    // Now and then the previous chunk's COPY gets the event loop, so that PostgreSQL loads it meanwhile.
    if (n % 1000 === 999) await new Promise(setImmediate);
    if (planned.t > g.until) continue;
    const state = states[planned.item]!;
    const made = planned.make(state);
    if (!made) continue;
    const envelope: Envelope = buildEnvelope({ ...made, item: state }, iso(planned.t));
    const canonical = canonicalJson(envelope as unknown as Json);
    const leaf = leafHash(canonical);
    const leafHex = leaf.toString('hex');
    const index = frontier.size;
    events.push(
      line([
        index,
        envelope.itemId,
        envelope.itemSeq,
        envelope.type,
        envelope.actor,
        envelope.agency,
        envelope.requestId,
        envelope.occurredAt,
        envelope.recordedAt,
        canonical,
        bytea(leafHex),
        bytea(envelope.prevItemHash),
      ]),
    );
    states[planned.item] = projectInPlace(state, envelope, leafHex);
    frontier.append(leaf, keep);
    if (envelope.type === 'alert') {
      const { kind, message } = envelope.payload as { kind: DueKind; message: string };
      const id = uuid(g.seed, 'alert', alertsBefore + alerts.length);
      alerts.push({ id, kind, item: planned.item, message, idx: index, t: planned.t });
    } else if (envelope.type === 'return' || envelope.type === 'disposed' || envelope.type === 'review_date_set') {
      dealt.push({ item: planned.item, t: planned.t, type: envelope.type });
    }
    lastAt = planned.t;
  }
  // An alert is resolved by what dealt with it: the item back, disposed of, or its review put off.
  const resolver = g.directory.warehouse[0]!.id;
  const alertLines = alerts.map((alert) => {
    const by = dealt.find(
      (d) =>
        d.item === alert.item &&
        d.t > alert.t &&
        (alert.kind === 'loan_overdue' ? d.type === 'return' : d.type !== 'return'),
    );
    const note = !by ? null : by.type === 'return' ? '已归还' : by.type === 'disposed' ? '已处置' : '已延期审查';
    const itemId = chunk.itemIds[alert.item];
    return line([
      alert.id,
      alert.kind,
      itemId,
      alert.message,
      by ? 'resolved' : 'open',
      alert.idx,
      iso(alert.t),
      by ? iso(by.t) : null,
      by ? resolver : null,
      note,
    ]);
  });
  const items = states.map((state) =>
    line(ITEM_COLUMNS.map(([key]) => (key === 'lastHash' ? bytea(state!.lastHash) : state![key]))),
  );
  const phone = states.find((s) => s!.description.includes('手机'))?.code;
  return { events, nodes, items, alerts: alertLines, lastAt, phone };
}

/** Builds a centre of `items` items in the (empty) database of `orm`, which must be connected as the tables' owner. */
export async function generateCentre(orm: MikroORM, options: ScaleOptions): Promise<GeneratedCentre> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const until = Date.parse(options.until ?? '2026-12-01T00:00:00.000Z');
  const total = options.items;
  const progress =
    options.onProgress ??
    (total >= 50_000
      ? ({ items, events, seconds }: { items: number; events: number; seconds: number }) =>
          process.stderr.write(
            `scale: ${items.toLocaleString('en')} of ${total.toLocaleString('en')} items, ` +
              `${events.toLocaleString('en')} events, ${Math.round(events / seconds).toLocaleString('en')} events/s\n`,
          )
      : undefined);
  const em = orm.em.fork();
  const [head] = await em.execute<{ size: string }[]>('select size from ledger_head');
  if (Number(head!.size) !== 0) throw new Error('a centre is generated into an empty ledger only');
  const directory = await makeDirectory(em, seed, total);
  const g: Generator = {
    seed,
    random: new Random(seed),
    directory,
    start: until - 3 * YEAR,
    until,
    totalItems: total,
    madeItems: 0,
    cases: 0,
    requests: 0,
    compartment: 0,
  };
  const frontier = new Frontier();
  let alerts = 0;
  let requests = 0;
  let sample: { caseNumber: string; itemCode: string } | undefined;

  await withPgConnection(em, async (client) => {
    /** One transaction: the chunk's rows, its events, the head moved on, the tree's nodes, a checkpoint. */
    const write = async (chunk: Chunk, built: Built, size: number, nodes: Buffer[], root: Buffer) => {
      await client.query('begin');
      try {
        await client.query('set local session_replication_role = replica');
        await copy(client, 'cases', CASE_COLUMNS, chunk.cases);
        await copy(client, 'ledger_events', EVENT_COLUMNS, built.events);
        await copy(client, 'items', ITEM_COLUMNS.map(([, column]) => column).join(', '), built.items);
        await copy(client, 'handovers', 'id, from_user_id, to_user_id, item_ids, note, created_at', chunk.handovers);
        const requestLines = chunk.requests.map((r) =>
          line([
            r.id,
            r.kind,
            r.status,
            r.agencyId,
            r.requesterId,
            r.reason,
            r.decidedBy,
            timeOrNull(r.decidedAt),
            r.decisionNote,
            r.borrower,
            r.purpose,
            timeOrNull(r.dueAt),
            r.toAgencyId,
            r.answeredBy,
            timeOrNull(r.answeredAt),
            r.answerNote,
            r.method,
            r.orderReference,
            iso(r.createdAt),
            iso(r.updatedAt),
          ]),
        );
        await copy(client, 'requests', REQUEST_COLUMNS, requestLines);
        const lineItems = chunk.requestItems.map(([request, item, carried]) =>
          line([request, chunk.itemIds[item], timeOrNull(carried)]),
        );
        await copy(client, 'request_items', 'request_id, item_id, carried_out_at', lineItems);
        await copy(client, 'alerts', ALERT_COLUMNS, built.alerts);
        // The head moves forward to the new tree, as custody_ledger_append moves it.
        await client.query('update ledger_head set size = $1, frontier = $2, root = $3, updated_at = $4', [
          size,
          Buffer.concat(nodes),
          root,
          iso(built.lastAt),
        ]);
        // After the head: a node is refused until the head covers its leaves.
        await copy(client, 'merkle_nodes', 'level, idx, hash', built.nodes);
        if (options.signer) {
          const note = signNote(checkpointText(options.signer.name, size, root), options.signer);
          await client.query('insert into checkpoints (size, root, note, created_at) values ($1, $2, $3, $4)', [
            size,
            root,
            note,
            iso(built.lastAt + 5000),
          ]);
        }
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      }
      alerts += built.alerts.length;
      requests += chunk.requests.length;
      progress?.({ items: made + chunk.itemIds.length, events: size, seconds: (performance.now() - started) / 1000 });
      made += chunk.itemIds.length;
    };
    // Each chunk is built while the one before is loaded: Node and PostgreSQL each keep a core busy.
    let made = 0;
    let alertsBuilt = 0;
    let writing: Promise<void> = Promise.resolve();
    while (g.madeItems < total) {
      const chunk = new Chunk();
      while (chunk.itemIds.length < CHUNK_ITEMS && g.madeItems + chunk.itemIds.length < total) planCase(g, chunk);
      const built = await build(g, chunk, frontier, alertsBuilt);
      alertsBuilt += built.alerts.length;
      sample ??= built.phone ? { caseNumber: chunk.cases[0]!.split('\t')[2]!, itemCode: built.phone } : undefined;
      g.madeItems += chunk.itemIds.length;
      await writing;
      writing = write(chunk, built, frontier.size, [...frontier.nodes], frontier.root());
      // A failure is awaited (and thrown) above or below; until then it must not count as unhandled.
      writing.catch(() => undefined);
    }
    await writing;
    // As autovacuum would have by now: fresh statistics, and the visibility map for index-only reads, of every
    // table (the triggers' item_places and counts too).
    await client.query('vacuum (analyze)');
  });

  return {
    items: g.madeItems,
    events: frontier.size,
    cases: g.cases,
    requests,
    alerts,
    root: frontier.root().toString('hex'),
    seconds: (performance.now() - started) / 1000,
    sample: {
      agencyCode: directory.police[0]!.code,
      zoneCode: directory.zones[0]!.code,
      caseNumber: sample?.caseNumber ?? '',
      itemCode: sample?.itemCode ?? '',
    },
  };
}
