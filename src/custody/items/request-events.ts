import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError } from '../../errors';
import type { Caller } from '../directory/caller';
import type { EventType } from '../ledger/events';
import { appendEvents } from '../ledger/append';
import type { ItemState } from './projection';
import type { CustodyRequest, RequestKind } from './request.entity';

/** What every event of a request records of it. */
export function requestPayload(request: CustodyRequest) {
  return {
    kind: request.kind,
    reason: request.reason,
    borrower: request.borrower,
    purpose: request.purpose,
    dueAt: request.dueAt?.toISOString() ?? null,
    toAgencyId: request.toAgencyId,
    method: request.method,
    orderReference: request.orderReference,
    ...(request.kind === 'correction' ? { corrects: String(request.correctsIdx), changes: request.changes } : {}),
  };
}

/** One event of `type` per item of the request, in the caller's transaction. */
export async function appendForRequest(
  tx: EntityManager,
  caller: Caller,
  request: CustodyRequest,
  items: ItemState[],
  type: EventType,
  extra = {},
) {
  return appendEvents(
    tx,
    items.map((item) => ({
      item,
      type,
      actor: caller,
      to: item.state,
      requestId: request.id,
      payload: { ...requestPayload(request), decisionNote: request.decisionNote, ...extra },
    })),
  );
}

/** Items that already have an open request of this kind cannot be asked for twice. */
export async function assertNoOpenRequest(tx: EntityManager, items: ItemState[], kind: RequestKind): Promise<void> {
  const [row] = await tx.execute<{ code: string }[]>(
    `select i.code from request_items ri join requests r on r.id = ri.request_id join items i on i.id = ri.item_id
      where r.kind = ? and r.status in ('requested', 'approved') and ri.carried_out_at is null
        and ri.item_id in (${items.map(() => '?').join(', ')}) limit 1`,
    [kind, ...items.map((i) => i.id)],
  );
  if (row) throw new ConflictError(`item ${row.code} already has an open ${kind} request`);
}
