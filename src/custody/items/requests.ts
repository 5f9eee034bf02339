import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../../errors';
import { Agency } from '../directory/agency.entity';
import { assertOwningAgency, withLockedItems } from './access';
import { hasRole, seesAllItems, type Caller } from '../directory/caller';
import { carryOutCorrection } from './corrections';
import { lockItems } from '../ledger/append';
import type { ItemState } from './projection';
import { appendForRequest, assertNoOpenRequest } from './request-events';
import { CustodyRequest, RequestItem } from './request.entity';
import { transition } from './state-machine';

export type NewRequest =
  | {
      kind: 'loan';
      itemCodes: string[];
      reason: string;
      borrower: string;
      purpose: NonNullable<CustodyRequest['purpose']>;
      dueAt: string;
    }
  | { kind: 'transfer'; itemCodes: string[]; reason: string; toAgencyCode: string }
  | {
      kind: 'disposal';
      itemCodes: string[];
      reason: string;
      method: NonNullable<CustodyRequest['method']>;
      orderReference: string;
    };

const OPEN = ['requested', 'approved'] as const;

export async function createRequest(em: EntityManager, caller: Caller, input: NewRequest) {
  let toAgencyId: string | null = null;
  if (input.kind === 'transfer') {
    const to = await em.findOne(Agency, { code: input.toAgencyCode });
    if (!to) throw new UnprocessableError(`agency ${input.toAgencyCode} does not exist`);
    if (to.id === caller.agencyId) throw new UnprocessableError('a transfer goes to another agency');
    toAgencyId = to.id;
  }
  if (input.kind === 'loan' && new Date(input.dueAt).getTime() <= Date.now()) {
    throw new UnprocessableError('the due date of a loan must be in the future');
  }
  return withLockedItems(em, caller, input.itemCodes, async (tx, items) => {
    assertOwningAgency(caller, items, `request a ${input.kind}`);
    for (const item of items) transition(item.code, item.state, 'request');
    if (input.kind === 'disposal') {
      const held = items.find((i) => i.legalHold);
      if (held)
        throw new ConflictError(
          `item ${held.code} is under a legal hold (${held.holdReason}); it cannot be disposed of`,
        );
    }
    await assertNoOpenRequest(tx, items, input.kind);
    const request = tx.create(CustodyRequest, {
      id: randomUUID(),
      kind: input.kind,
      status: 'requested',
      agencyId: caller.agencyId,
      requesterId: caller.id,
      reason: input.reason,
      borrower: input.kind === 'loan' ? input.borrower : null,
      purpose: input.kind === 'loan' ? input.purpose : null,
      dueAt: input.kind === 'loan' ? new Date(input.dueAt) : null,
      toAgencyId,
      method: input.kind === 'disposal' ? input.method : null,
      orderReference: input.kind === 'disposal' ? input.orderReference : null,
    });
    // Flushed first: without declared relations the unit of work does not order the two inserts.
    await tx.flush();
    for (const item of items) tx.create(RequestItem, { requestId: request.id, itemId: item.id, carriedOutAt: null });
    await tx.flush();
    await appendForRequest(tx, caller, request, items, 'request_created');
    return request;
  });
}

export function canSeeRequest(caller: Caller, request: CustodyRequest): boolean {
  // A correction's requester may be of another agency than the one that decides it (the centre's staff).
  return (
    seesAllItems(caller) ||
    request.agencyId === caller.agencyId ||
    request.toAgencyId === caller.agencyId ||
    request.requesterId === caller.id
  );
}

export async function findVisibleRequest(em: EntityManager, caller: Caller, id: string): Promise<CustodyRequest> {
  const request = await em.findOne(CustodyRequest, { id });
  if (!request || !canSeeRequest(caller, request)) throw new NotFoundError(`request ${id} does not exist`);
  return request;
}

export async function requestItemCodes(em: EntityManager, requestId: string): Promise<string[]> {
  const rows = await em.execute<{ code: string }[]>(
    `select i.code from request_items ri join items i on i.id = ri.item_id where ri.request_id = ? order by i.code`,
    [requestId],
  );
  return rows.map((r) => r.code);
}

/**
 * The display names of the people a page of requests names (requesters, deciders, answerers), by user id,
 * in one query for the whole page.
 */
export async function requestPeopleNames(em: EntityManager, requests: CustodyRequest[]): Promise<Map<string, string>> {
  const ids = requests.flatMap((r) => [r.requesterId, r.decidedBy, r.answeredBy]).filter((id) => id != null);
  const rows = await em.execute<{ id: string; display_name: string }[]>(
    `select id, display_name from users where id = any (?::uuid[])`,
    [`{${[...new Set(ids)].join(',')}}`],
  );
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

/** The ids of the requests that name an item (by its canonical code). */
export async function requestIdsNaming(em: EntityManager, itemCode: string): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select ri.request_id as id from request_items ri join items i on i.id = ri.item_id where i.code = ?`,
    [itemCode],
  );
  return rows.map((r) => r.id);
}

/**
 * Runs a decision on a request: its items are locked first and the request row after (the order every
 * command uses), then its status is checked against what the decision needs.
 */
async function decide<T>(
  em: EntityManager,
  caller: Caller,
  id: string,
  from: readonly CustodyRequest['status'][],
  change: (tx: EntityManager, request: CustodyRequest, items: ItemState[]) => Promise<T>,
): Promise<T> {
  const visible = await findVisibleRequest(em, caller, id);
  const codes = await requestItemCodes(em, visible.id);
  // Visibility comes from the request: a receiving agency sees a transfer before it sees the items.
  return em.transactional(async (tx) => {
    const items = await lockItems(tx, codes);
    const request = await tx.findOneOrFail(CustodyRequest, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!from.includes(request.status)) {
      throw new ConflictError(`request ${id} is ${request.status}; this needs it to be ${from.join(' or ')}`);
    }
    const result = await change(tx, request, items);
    await tx.flush();
    return result;
  });
}

function assertApprover(caller: Caller, request: CustodyRequest): void {
  if (!hasRole(caller, 'approver') || request.agencyId !== caller.agencyId) {
    throw new ForbiddenError('only an approver of the requesting agency decides on its requests');
  }
  if (request.requesterId === caller.id) throw new ForbiddenError('nobody approves or rejects their own request');
}

export async function approveRequest(em: EntityManager, caller: Caller, id: string, note?: string) {
  return decide(em, caller, id, ['requested'], async (tx, request, items) => {
    assertApprover(caller, request);
    if (request.kind === 'disposal') {
      const held = items.find((i) => i.legalHold);
      if (held)
        throw new ConflictError(
          `item ${held.code} is under a legal hold (${held.holdReason}); it cannot be disposed of`,
        );
    }
    Object.assign(request, {
      status: 'approved',
      decidedBy: caller.id,
      decidedAt: new Date(),
      decisionNote: note ?? null,
    });
    // An approved correction is carried out at once: its one event is the correction itself.
    if (request.kind === 'correction') await carryOutCorrection(tx, caller, request, items[0]!);
    // An approved transfer is offered to the receiving agency, which accepts or refuses it.
    else
      await appendForRequest(
        tx,
        caller,
        request,
        items,
        request.kind === 'transfer' ? 'transfer_offered' : 'request_approved',
      );
    return request;
  });
}

export async function rejectRequest(em: EntityManager, caller: Caller, id: string, note: string) {
  return decide(em, caller, id, ['requested'], async (tx, request, items) => {
    assertApprover(caller, request);
    Object.assign(request, { status: 'rejected', decidedBy: caller.id, decidedAt: new Date(), decisionNote: note });
    await appendForRequest(tx, caller, request, items, 'request_rejected');
    return request;
  });
}

export async function cancelRequest(em: EntityManager, caller: Caller, id: string, reason: string) {
  return decide(em, caller, id, OPEN, async (tx, request, items) => {
    const mayCancel =
      request.requesterId === caller.id || (hasRole(caller, 'approver') && request.agencyId === caller.agencyId);
    if (!mayCancel) throw new ForbiddenError('only the requester or an approver of their agency can cancel a request');
    if (await tx.count(RequestItem, { requestId: id, carriedOutAt: { $ne: null } })) {
      throw new ConflictError(`request ${id} has already been partly carried out`);
    }
    request.status = 'cancelled';
    await appendForRequest(tx, caller, request, items, 'request_cancelled', { cancelReason: reason });
    return request;
  });
}

function assertReceiver(caller: Caller, request: CustodyRequest): void {
  if (request.kind !== 'transfer')
    throw new UnprocessableError(`request ${request.id} is a ${request.kind}, not a transfer`);
  if (request.toAgencyId !== caller.agencyId || !hasRole(caller, 'officer', 'clerk', 'approver')) {
    throw new ForbiddenError('only the receiving agency accepts or refuses a transfer');
  }
}

/** The receiving agency takes legal custody: from now on the items are its own. */
export async function acceptTransfer(em: EntityManager, caller: Caller, id: string, note?: string) {
  return decide(em, caller, id, ['approved'], async (tx, request, items) => {
    assertReceiver(caller, request);
    for (const item of items) transition(item.code, item.state, 'transfer');
    Object.assign(request, { status: 'carried_out', answeredBy: caller.id, answeredAt: new Date(), answerNote: note });
    await tx.nativeUpdate(RequestItem, { requestId: id }, { carriedOutAt: new Date() });
    await appendForRequest(tx, caller, request, items, 'transfer_accepted', {
      fromAgencyId: request.agencyId,
      answerNote: note,
    });
    return request;
  });
}

export async function refuseTransfer(em: EntityManager, caller: Caller, id: string, reason: string) {
  return decide(em, caller, id, ['approved'], async (tx, request, items) => {
    assertReceiver(caller, request);
    Object.assign(request, { status: 'refused', answeredBy: caller.id, answeredAt: new Date(), answerNote: reason });
    await appendForRequest(tx, caller, request, items, 'transfer_refused', { answerNote: reason });
    return request;
  });
}
