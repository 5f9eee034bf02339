import { randomUUID } from 'node:crypto';
import { createLocation } from '../src/custody/directory/locations';
import type { Category } from '../src/custody/items/item-kinds';
import { generateItemCode } from '../src/custody/items/item-code';
import type { ItemState } from '../src/custody/items/projection';
import { appendEvents, type Actor, type EventDraft } from '../src/custody/ledger/append';
import { analyze, type BenchDb } from './fixture';

const DAY = 86_400_000;
const BATCH = 1000;
const AGENCIES = 6;
const ZONES = 8;
const SHELVES_PER_ZONE = 40;
const CATEGORIES: Category[] = ['electronics', 'document', 'valuables', 'cash', 'vehicle', 'other', 'weapon'];

/** A small deterministic generator (mulberry32): the same centre on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where an item ends: most in store, some still with their officer or at the counter, out on loan, disposed of. */
const FATES: [fate: 'registered' | 'received' | 'stored' | 'on_loan' | 'disposed', share: number][] = [
  ['registered', 0.06],
  ['received', 0.03],
  ['stored', 0.72],
  ['on_loan', 0.05],
  ['disposed', 0.14],
];

/**
 * Brings the bench database up to `total` items as a custody centre holds them: six agencies with a case per
 * thousand items, eight zones of forty shelves each with a capacity, seizures over the last two years, and
 * each item's history appended through the ledger (registered, handed over, checked in, lent out, disposed
 * of: about three events an item), a thousand items per transaction; and sixty open alerts.
 */
export async function buildCentre(db: BenchDb, total: number): Promise<{ added: number; events: number }> {
  const em = () => db.orm.em.fork();
  const [{ n }] = (await em().execute<{ n: number }[]>('select count(*)::int as n from items')) as [{ n: number }];
  const count = Math.max(0, total - n);
  if (count === 0) return { added: 0, events: 0 };
  const rand = random(20261208);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rand() * values.length)]!;

  const agencies: (Actor & { cases: string[] })[] = [];
  for (let a = 0; a < AGENCIES; a++) {
    const agencyId = randomUUID();
    const userId = randomUUID();
    const kind = a < 4 ? 'police' : a === 4 ? 'procuratorate' : 'court';
    await em().execute(`insert into agencies (id, code, name, kind) values (?, ?, ?, ?)`, [
      agencyId,
      `CENTRE-A${a + 1}`,
      `第${a + 1}分局`,
      kind,
    ]);
    await em().execute(
      `insert into users (id, username, display_name, agency_id, roles, password_hash) values (?, ?, ?, ?, '{officer}', 'x')`,
      [userId, `centre-officer-${a + 1}`, `分局民警 ${a + 1}`, agencyId],
    );
    agencies.push({ id: userId, agencyId, cases: [] });
  }
  await createLocation(em(), { code: 'CENTRE-SITE', name: '涉案财物管理中心', kind: 'site' });
  const shelves: string[] = [];
  for (let z = 1; z <= ZONES; z++) {
    const zone = `CENTRE-Z${z}`;
    await createLocation(em(), {
      code: zone,
      name: `${z} 号库区`,
      kind: 'zone',
      parentCode: 'CENTRE-SITE',
      capacity: Math.ceil((total * 1.2) / ZONES),
    });
    await createLocation(em(), { code: `${zone}-R`, name: `${z} 号库房`, kind: 'room', parentCode: zone });
    for (let s = 1; s <= SHELVES_PER_ZONE; s++) {
      const shelf = await createLocation(em(), {
        code: `${zone}-S${s}`,
        name: `${z} 号库房 ${s} 号架`,
        kind: 'shelf',
        parentCode: `${zone}-R`,
        capacity: 400,
      });
      shelves.push(shelf.id);
    }
  }

  const now = Date.now();
  const at = (time: number) => new Date(Math.min(time, now - 60_000)).toISOString();
  // Every item planned first, so that the centre is the same whichever writer appends which batch.
  const batches = Array.from({ length: Math.ceil(count / BATCH) }, (_, b) => ({
    number: b + 1,
    agency: agencies[b % AGENCIES]!,
    plans: Array.from({ length: Math.min(BATCH, count - b * BATCH) }, (_, i) => {
      let roll = rand();
      const seizedAt = now - Math.floor(rand() * rand() * 730 * DAY);
      const fated = FATES.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'stored';
      // Disposal comes three months after seizure: what was seized since is still in store.
      const fate = fated === 'disposed' && seizedAt + 90 * DAY > now ? 'stored' : fated;
      return { fate, seizedAt, itemNo: i + 1, category: pick(CATEGORIES), shelf: pick(shelves) };
    }),
  }));

  const append = async ({ number, agency, plans }: (typeof batches)[number]): Promise<number> => {
    const caseId = randomUUID();
    await em().execute(
      `insert into cases (id, agency_id, case_number, title, opened_on, created_by) values (?, ?, ?, '仓储基准案件', '2024-01-01', ?)`,
      [caseId, agency.agencyId, `CENTRE-${number}`, agency.id],
    );
    // One transaction a step: the ledger's head is held from a step's append to its commit, not longer.
    const appendAll = (drafts: EventDraft[]) =>
      db.orm.em.fork().transactional(async (tx) => (await appendEvents(tx, drafts)).map((e) => e.state));
    let states = await appendAll(
      plans.map((p) => ({
        item: null,
        itemId: randomUUID(),
        type: 'registered',
        actor: agency,
        to: 'registered',
        location: null,
        occurredAt: at(p.seizedAt),
        payload: {
          code: generateItemCode(),
          caseId,
          itemNo: String(p.itemNo),
          category: p.category,
          description: '黑色华为手机一部，屏幕有裂痕',
          quantity: '1',
          unit: '件',
          seizedAt: at(p.seizedAt),
          seizedBy: agency.id,
          reviewDate: new Date(p.seizedAt + 365 * DAY).toISOString().slice(0, 10),
        },
      })),
    );
    let appended = plans.length;
    // Each step moves the items whose fate lies beyond it, one append for all of them.
    const step = async (fates: string[], draft: (item: ItemState, i: number) => EventDraft) => {
      const moving = plans.flatMap((plan, i) => (fates.includes(plan.fate) ? [i] : []));
      const next = await appendAll(moving.map((i) => draft(states[i]!, i)));
      states = [...states];
      moving.forEach((i, k) => (states[i] = next[k]!));
      appended += moving.length;
    };
    await step(['received', 'stored', 'on_loan', 'disposed'], (item, i) => ({
      item,
      type: 'handover',
      actor: db.actor,
      to: 'received',
      location: null,
      occurredAt: at(plans[i]!.seizedAt + DAY),
      payload: { toUserId: db.actor.id },
    }));
    await step(['stored', 'on_loan', 'disposed'], (item, i) => ({
      item,
      type: 'check_in',
      actor: db.actor,
      to: 'stored',
      location: plans[i]!.shelf,
      occurredAt: at(plans[i]!.seizedAt + 2 * DAY),
      payload: {},
    }));
    await step(['on_loan'], (item, i) => ({
      item,
      type: 'check_out',
      actor: db.actor,
      to: 'on_loan',
      location: null,
      occurredAt: at(plans[i]!.seizedAt + 20 * DAY),
      payload: { borrower: '市物证鉴定所', dueAt: new Date(plans[i]!.seizedAt + 50 * DAY).toISOString() },
    }));
    await step(['disposed'], (item, i) => ({
      item,
      type: 'disposed',
      actor: db.actor,
      to: 'disposed',
      location: null,
      occurredAt: at(plans[i]!.seizedAt + 90 * DAY),
      payload: { method: 'returned_to_owner', recipient: '所有人' },
    }));
    return appended;
  };
  // Two writers: one prepares and writes its items rows while the other holds the ledger's head.
  let events = 0;
  const queue = [...batches];
  await Promise.all(
    [0, 1].map(async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        const appended = await append(batch);
        events += appended;
      }
    }),
  );
  // A few open alerts of three kinds, for the dashboard's alerts chart: rows of their own table, not events.
  await em().execute(
    `insert into alerts (id, kind, item_id, message)
     select gen_random_uuid(), (array['loan_overdue', 'review_due', 'return_mismatch'])[(1 + n % 3)::int], id, 'bench alert'
       from (select id, row_number() over (order by id) as n from items limit 60) i`,
  );
  // As autovacuum does on a database in use: the visibility map lets the ledger's index be read alone.
  await em().execute('vacuum ledger_events');
  await analyze(db);
  return { added: count, events };
}
