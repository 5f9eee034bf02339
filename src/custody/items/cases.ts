import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError } from '../../errors';
import { Case } from './case.entity';
import { hasRole, type Caller } from '../directory/caller';
import { generateItemCode } from './item-code';
import type { Category } from './item-kinds';
import { appendEvents, type AppendedEvent } from '../ledger/append';

export interface NewCase {
  caseNumber: string;
  title: string;
  openedOn: string;
}

export async function createCase(em: EntityManager, caller: Caller, input: NewCase): Promise<Case> {
  return em.transactional(async (tx) => {
    if (await tx.count(Case, { agencyId: caller.agencyId, caseNumber: input.caseNumber })) {
      throw new ConflictError(`case ${input.caseNumber} already exists in ${caller.agencyCode}`);
    }
    const created = tx.create(Case, { ...input, agencyId: caller.agencyId, createdBy: caller.id });
    await tx.flush();
    return created;
  });
}

/** Cases of the caller's agency, and those whose items were transferred to it; all for cross-agency roles. */
export function caseVisibility(caller: Caller): { sql: string; params: string[] } {
  if (hasRole(caller, 'inspector', 'admin', 'warehouse')) return { sql: 'true', params: [] };
  return {
    sql: `(c.agency_id = ? or exists (select 1 from items vi where vi.case_id = c.id and ? = any (vi.held_by_agency_ids)))`,
    params: [caller.agencyId, caller.agencyId],
  };
}

/**
 * A page of the cases the caller may see, newest first, optionally only those whose number or title holds `q`
 * and those open or closed.
 */
export async function listCases(
  em: EntityManager,
  caller: Caller,
  page: { q?: string; status?: 'open' | 'closed'; limit: number; offset: number },
): Promise<{ cases: Case[]; total: number }> {
  const visibility = caseVisibility(caller);
  const text = page.q ? ` and (c.case_number ilike ? or c.title ilike ?)` : '';
  const status = page.status ? ` and c.status = ?` : '';
  const pattern = `%${(page.q ?? '').replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const rows = await em.execute<{ id: string; total: string }[]>(
    `select c.id, count(*) over () as total from cases c where ${visibility.sql}${text}${status}
      order by c.created_at desc, c.id limit ? offset ?`,
    [
      ...visibility.params,
      ...(page.q ? [pattern, pattern] : []),
      ...(page.status ? [page.status] : []),
      page.limit,
      page.offset,
    ],
  );
  const cases = await em.find(
    Case,
    { id: { $in: rows.map((r) => r.id) } },
    { orderBy: { createdAt: 'desc', id: 'asc' } },
  );
  return { cases, total: Number(rows[0]?.total ?? 0) };
}

export async function findVisibleCase(em: EntityManager, caller: Caller, id: string): Promise<Case> {
  const visibility = caseVisibility(caller);
  const [row] = await em.execute<{ id: string }[]>(`select c.id from cases c where c.id = ? and ${visibility.sql}`, [
    id,
    ...visibility.params,
  ]);
  const found = row ? await em.findOne(Case, { id: row.id }) : null;
  if (!found) throw new NotFoundError(`case ${id} does not exist`);
  return found;
}

export interface NewItem {
  category: Category;
  description: string;
  quantity: string;
  unit: string;
  weightGrams?: string;
  amount?: string;
  currency?: string;
  serialNumber?: string;
  sealNumber?: string;
  seizedAt: string;
  seizedFrom?: string;
  seizedPlace?: string;
}

/** Days from seizure to the first disposal review, by category: perishable and dangerous things sooner. */
export const REVIEW_AFTER_DAYS: Record<Category, number> = {
  biological: 90,
  hazardous: 90,
  drugs: 180,
  cash: 180,
  vehicle: 180,
  valuables: 365,
  electronics: 365,
  firearm: 365,
  weapon: 365,
  other: 365,
  document: 730,
};

export function reviewDateFor(category: Category, seizedAt: string): string {
  const date = new Date(seizedAt);
  date.setUTCDate(date.getUTCDate() + REVIEW_AFTER_DAYS[category]);
  return date.toISOString().slice(0, 10);
}

/**
 * Registers items in one of the caller's agency's open cases: each gets its code, the next item number of
 * the case and a review date, and its first ledger event; the seizing officer holds it until hand-over.
 */
export async function registerItems(
  em: EntityManager,
  caller: Caller,
  caseId: string,
  items: NewItem[],
): Promise<AppendedEvent[]> {
  return em.transactional(async (tx) => {
    const owner = await tx.findOne(
      Case,
      { id: caseId, agencyId: caller.agencyId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!owner) throw new NotFoundError(`case ${caseId} does not exist in ${caller.agencyCode}`);
    if (owner.status !== 'open') throw new ConflictError(`case ${owner.caseNumber} is closed`);
    const first = owner.nextItemNo;
    owner.nextItemNo += items.length;
    await tx.flush();
    return appendEvents(
      tx,
      items.map((item, i) => ({
        item: null,
        itemId: randomUUID(),
        type: 'registered' as const,
        actor: caller,
        to: 'registered' as const,
        location: null,
        occurredAt: item.seizedAt,
        payload: {
          ...item,
          code: generateItemCode(),
          caseId: owner.id,
          itemNo: String(first + i),
          seizedBy: caller.id,
          reviewDate: reviewDateFor(item.category, item.seizedAt),
        },
      })),
    );
  });
}
