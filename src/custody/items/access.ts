import type { EntityManager } from '@mikro-orm/postgresql';
import { ForbiddenError, NotFoundError } from '../../errors';
import { seesAllItems, type Caller } from '../directory/caller';
import { lockItems } from '../ledger/append';
import type { ItemState } from './projection';
import type { Sql } from '../sql';

/** Officers and clerks see the items their agency holds or has held; warehouse, inspectors and admins see all. */
export function canSeeItem(caller: Caller, item: ItemState): boolean {
  return seesAllItems(caller) || item.heldByAgencyIds.includes(caller.agencyId);
}

/**
 * Whether a transfer approved by the owning agency offers the item to the caller's agency and awaits its
 * answer. A refused or cancelled offer is no offer; an accepted one made the agency a holder.
 */
export async function isOfferedTo(sql: Sql, caller: Caller, itemId: string): Promise<boolean> {
  const rows = await sql.execute(
    `select 1 from request_items ri join requests r on r.id = ri.request_id
      where ri.item_id = ? and r.kind = 'transfer' and r.status = 'approved' and r.to_agency_id = ? limit 1`,
    [itemId, caller.agencyId],
  );
  return rows.length > 0;
}

/**
 * SQL condition (on alias `i`) for the items the caller may see. Written with `@>`, which the GIN index on
 * held_by_agency_ids serves (`= any` is not an operator of it).
 */
export function itemVisibility(caller: Caller): { sql: string; params: string[] } {
  return seesAllItems(caller)
    ? { sql: 'true', params: [] }
    : { sql: 'i.held_by_agency_ids @> array[?::uuid]', params: [caller.agencyId] };
}

/**
 * SQL condition (on alerts `a` and their items `i`, left-joined) for the alerts the caller may see: warehouse
 * staff, inspectors and admins see every one; anyone else (approvers) those about the items their agency
 * owns now. An alert is work to do, and what the agency held once is no longer its work; an alert about a
 * place or a device (no item) is the centre's.
 */
export function alertVisibility(caller: Caller): { sql: string; params: string[] } {
  return seesAllItems(caller)
    ? { sql: 'true', params: [] }
    : { sql: 'i.owning_agency_id = ?', params: [caller.agencyId] };
}

/** Whether the caller may see (and so resolve) an alert about `item`, or about no item: as alertVisibility. */
export function canSeeAlert(caller: Caller, item: Pick<ItemState, 'owningAgencyId'> | undefined): boolean {
  return seesAllItems(caller) || item?.owningAgencyId === caller.agencyId;
}

// Not-found and not-visible give the same answer, so that codes of other agencies' items cannot be probed.
export const notFound = (code: string) => new NotFoundError(`item ${code} does not exist`);

/**
 * Runs `change` in a transaction (the caller's, if it is in one) with the items locked (FOR UPDATE, in a
 * stable order), after checking that each exists and is visible to the caller. Everything `change` does
 * commits together or not at all.
 */
export async function withLockedItems<T>(
  em: EntityManager,
  caller: Caller,
  codes: string[],
  change: (tx: EntityManager, items: ItemState[]) => Promise<T>,
): Promise<T> {
  const unique = [...new Set(codes)];
  const run = async (tx: EntityManager) => {
    const locked = await lockItems(tx, unique);
    const byCode = new Map(locked.map((item) => [item.code, item]));
    for (const code of unique) {
      const item = byCode.get(code);
      if (!item || !canSeeItem(caller, item)) throw notFound(code);
    }
    return change(
      tx,
      unique.map((code) => byCode.get(code)!),
    );
  };
  // Inside a caller's transaction (a device message), joined rather than nested: a savepoint would cost two
  // more round trips, and a failure rolls the whole message back anyway.
  return em.isInTransaction() ? run(em) : em.transactional(run);
}

/** Only the agency that holds legal custody decides about an item. */
export function assertOwningAgency(caller: Caller, items: ItemState[], action: string): void {
  const foreign = items.find((item) => item.owningAgencyId !== caller.agencyId);
  if (foreign)
    throw new ForbiddenError(
      `item ${foreign.code} is in the legal custody of another agency; only that agency can ${action}`,
    );
}
