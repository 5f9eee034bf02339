import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startEmbeddedPostgres } from '../src/database';
import { initOrm, migrate } from '../src/orm';
import { appendEvents, type Actor } from '../src/custody/ledger/append';
import type { ItemState } from '../src/custody/items/projection';
import { generateItemCode } from '../src/custody/items/item-code';

export interface BenchDb {
  /** As the server's own role, which the server connects as. */
  url: string;
  /** As the owner (the superuser), which migrates, and which `orm` is connected as. */
  ownerUrl: string;
  orm: MikroORM;
  actor: Actor;
  caseId: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The bench's own agency, officer and case, in a migrated database; those already there when it was seeded
 * before (a kept centre of the scale bench).
 */
export async function seedBenchCase(orm: MikroORM): Promise<{ actor: Actor; caseId: string }> {
  const em = orm.em.fork();
  const [known] = await em.execute<{ agency_id: string; user_id: string; case_id: string }[]>(
    `select c.agency_id, c.created_by as user_id, c.id as case_id from cases c where c.case_number = 'BENCH-1'`,
  );
  if (known) return { actor: { id: known.user_id, agencyId: known.agency_id }, caseId: known.case_id };
  const agencyId = randomUUID();
  const userId = randomUUID();
  const caseId = randomUUID();
  await em.execute(`insert into agencies (id, code, name, kind) values (?, 'BENCH', 'Bench police', 'police')`, [
    agencyId,
  ]);
  await em.execute(
    `insert into users (id, username, display_name, agency_id, roles, password_hash) values (?, 'bench', 'Bench officer', ?, '{officer}', 'x')`,
    [userId, agencyId],
  );
  await em.execute(
    `insert into cases (id, agency_id, case_number, title, opened_on, created_by) values (?, ?, 'BENCH-1', 'Bench', '2026-01-01', ?)`,
    [caseId, agencyId, userId],
  );
  return { actor: { id: userId, agencyId }, caseId };
}

/** A fresh embedded PostgreSQL with the schema, one agency, one officer and one case. */
export async function benchDatabase(): Promise<BenchDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-bench-'));
  fs.chmodSync(dir, 0o711);
  const db = await startEmbeddedPostgres({ dir, port: await freePort(), logger: pino({ level: 'warn' }) });
  const orm = await initOrm({ url: db.ownerUrl, poolMax: 20 });
  await migrate(orm);
  const { actor, caseId } = await seedBenchCase(orm);
  return {
    url: db.url,
    ownerUrl: db.ownerUrl,
    orm,
    actor,
    caseId,
    stop: async () => {
      await orm.close(true);
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers `count` items in one transaction per 1,000 and returns their states. */
export async function registerMany(db: BenchDb, count: number): Promise<ItemState[]> {
  const states: ItemState[] = [];
  // Numbers go on from the case's last: a kept centre's bench case has items from earlier runs.
  const [last] = await db.orm.em
    .fork()
    .execute<{ n: string }[]>('select coalesce(max(item_no), 0) as n from items where case_id = ?', [db.caseId]);
  let nextItemNo = Number(last!.n) + 1;
  for (let start = 0; start < count; start += 1000) {
    const n = Math.min(1000, count - start);
    const appended = await db.orm.em.fork().transactional((tx) =>
      appendEvents(
        tx,
        Array.from({ length: n }, () => ({
          item: null,
          itemId: randomUUID(),
          type: 'registered' as const,
          actor: db.actor,
          to: 'registered' as const,
          location: null,
          payload: {
            code: generateItemCode(),
            caseId: db.caseId,
            itemNo: String(nextItemNo++),
            category: 'electronics',
            description: '黑色华为手机一部，屏幕有裂痕',
            quantity: '1',
            unit: '部',
            seizedAt: '2026-11-02T01:30:00.000Z',
            seizedBy: db.actor.id,
            reviewDate: '2027-11-02',
          },
        })),
      ),
    );
    states.push(...appended.map((a) => a.state));
  }
  return states;
}

/** Appends `rounds` hold/release events to every item, one transaction per round (one event per item each). */
export async function appendRounds(db: BenchDb, items: ItemState[], rounds: number): Promise<ItemState[]> {
  let current = items;
  for (let round = 0; round < rounds; round++) {
    const hold = round % 2 === 0;
    const appended = await db.orm.em.fork().transactional((tx) =>
      appendEvents(
        tx,
        current.map((item) => ({
          item,
          type: hold ? ('hold_placed' as const) : ('hold_released' as const),
          actor: db.actor,
          to: item.state,
          payload: { reason: `审查 ${round}` },
        })),
      ),
    );
    current = appended.map((a) => a.state);
  }
  return current;
}

/** Hands items over to the bench officer, so that a check-in can follow. */
export async function receive(db: BenchDb, items: ItemState[]): Promise<ItemState[]> {
  const appended = await db.orm.em.fork().transactional((tx) =>
    appendEvents(
      tx,
      items.map((item) => ({
        item,
        type: 'handover' as const,
        actor: db.actor,
        to: 'received' as const,
        location: null,
        payload: { toUserId: db.actor.id },
      })),
    ),
  );
  return appended.map((a) => a.state);
}

/**
 * Refreshes the planner's statistics after a fixture is made, as autovacuum has long done on a database
 * in use: statistics of the tables while they were nearly empty make PostgreSQL scan them whole.
 */
export async function analyze(db: BenchDb): Promise<void> {
  await db.orm.em.fork().execute('analyze');
}

/** The p-th percentile of ascending numbers. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
