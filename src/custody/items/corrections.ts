import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UnprocessableError } from '../../errors';
import { assertOwningAgency, withLockedItems } from './access';
import type { Caller } from '../directory/caller';
import type { Category } from './item-kinds';
import { appendEvents, type AppendedEvent, type Actor } from '../ledger/append';
import { checkPlace, readPlaceChains } from '../directory/locations';
import { CONTROLLED, type Correctable, type ItemState } from './projection';
import { appendForRequest, assertNoOpenRequest } from './request-events';
import { CustodyRequest, RequestItem } from './request.entity';
import { transition } from './state-machine';

/**
 * A mistake is never edited: a correction is a new event pointing at the one it corrects. A correction
 * of a particular that a rule reads (CONTROLLED) never weakens that rule by one person's word: it is a
 * request, carried out only when an approver of the item's owning agency who did not file it approves
 * it, and neither of them makes the item's next movement without a witness (see `assertNotCorrectorAlone`).
 */

export interface CorrectionInput {
  /** Global index of the event being corrected; it must be one of this item's. */
  correctsIndex: number;
  changes: Partial<Record<Correctable, string | null>>;
  note: string;
}

const needsFourEyes = (changes: CorrectionInput['changes']) => CONTROLLED.some((field) => field in changes);

async function correctedEventType(tx: EntityManager, item: ItemState, index: number): Promise<string> {
  const [target] = await tx.execute<{ type: string }[]>(
    'select type from ledger_events where idx = ? and item_id = ?',
    [index, item.id],
  );
  if (!target) throw new UnprocessableError(`event ${index} is not an event of item ${item.code}`);
  return target.type;
}

/**
 * A corrected category must fit where the item is kept (a safe for cash, a room that takes the category…),
 * or the correction would leave it kept against the rules; moved first, it can be corrected.
 */
async function assertFitsWhereItIs(
  tx: EntityManager,
  item: ItemState,
  changes: CorrectionInput['changes'],
): Promise<void> {
  if (!changes.category || !item.locationId) return;
  const [location] = await tx.execute<{ code: string }[]>('select code from locations where id = ?', [item.locationId]);
  const chain = (await readPlaceChains(tx, [location!.code])).get(location!.code);
  try {
    checkPlace({ ...item, category: changes.category as Category }, location!.code, chain);
  } catch (err) {
    if (!(err instanceof UnprocessableError)) throw err;
    throw new UnprocessableError(
      `item ${item.code} cannot be recorded as ${changes.category} where it is kept (${err.message}): move it to a place that takes it first`,
    );
  }
}

/** Who asked for a four-eyes correction and who approved it, as its event names them. */
interface FourEyes {
  requestId: string;
  requestedBy: string;
  approvedBy: string;
  decisionNote: string | null;
}

async function appendCorrection(
  tx: EntityManager,
  item: ItemState,
  actor: Actor,
  input: CorrectionInput,
  fourEyes?: FourEyes,
) {
  const correctsType = await correctedEventType(tx, item, input.correctsIndex);
  const previous = Object.fromEntries(Object.keys(input.changes).map((field) => [field, item[field as Correctable]]));
  const [event] = await appendEvents(tx, [
    {
      item,
      type: 'correction',
      actor,
      to: item.state,
      requestId: fourEyes?.requestId ?? null,
      payload: {
        corrects: String(input.correctsIndex),
        correctsType,
        changes: input.changes,
        previous,
        note: input.note,
        ...(fourEyes && {
          requestedBy: fourEyes.requestedBy,
          approvedBy: fourEyes.approvedBy,
          decisionNote: fourEyes.decisionNote,
        }),
      },
    },
  ]);
  return event!;
}

/** What a correction did: its event, or, when it needs four eyes, the request filed and its event. */
export interface Corrected {
  event: AppendedEvent;
  request: CustodyRequest | null;
}

/**
 * Corrects an item's particulars: at once when none of them is CONTROLLED; otherwise files a correction
 * request for an approver of the item's owning agency, which changes nothing until it is approved.
 */
export async function correct(
  em: EntityManager,
  caller: Caller,
  code: string,
  input: CorrectionInput,
): Promise<Corrected> {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    transition(item!.code, item!.state, 'correction');
    if (!needsFourEyes(input.changes))
      return { event: await appendCorrection(tx, item!, caller, input), request: null };
    await correctedEventType(tx, item!, input.correctsIndex);
    await assertFitsWhereItIs(tx, item!, input.changes);
    await assertNoOpenRequest(tx, [item!], 'correction');
    const request = tx.create(CustodyRequest, {
      id: randomUUID(),
      kind: 'correction',
      status: 'requested',
      // Decided by the agency with legal custody, whoever files it (the centre's staff often do).
      agencyId: item!.owningAgencyId,
      requesterId: caller.id,
      reason: input.note,
      correctsIdx: input.correctsIndex,
      changes: input.changes,
    });
    // Flushed first: without declared relations the unit of work does not order the two inserts.
    await tx.flush();
    tx.create(RequestItem, { requestId: request.id, itemId: item!.id, carriedOutAt: null });
    await tx.flush();
    const [event] = await appendForRequest(tx, caller, request, [item!], 'request_created');
    return { event: event!, request };
  });
}

/**
 * Carries out an approved correction request (within the approval's transaction, the item locked): its
 * one event is the correction, naming the request, its requester and its approver.
 */
export async function carryOutCorrection(
  tx: EntityManager,
  approver: Caller,
  request: CustodyRequest,
  item: ItemState,
): Promise<void> {
  assertOwningAgency(approver, [item], 'approve a correction of it');
  transition(item.code, item.state, 'correction');
  const input = { correctsIndex: request.correctsIdx!, changes: request.changes!, note: request.reason };
  // Checked again: the item may have moved since the request was filed.
  await assertFitsWhereItIs(tx, item, input.changes);
  await appendCorrection(tx, item, approver, input, {
    requestId: request.id,
    requestedBy: request.requesterId,
    approvedBy: approver.id,
    decisionNote: request.decisionNote ?? null,
  });
  request.status = 'carried_out';
  await tx.nativeUpdate(RequestItem, { requestId: request.id }, { carriedOutAt: new Date() });
}

/**
 * The first movement after a four-eyes correction: if the person acting requested or approved it, the
 * second person of the movement (its witness, or the officer handing over) must be someone who did
 * neither, so that nobody who changed a particular a rule reads is alone at the next rule.
 */
export function assertNotCorrectorAlone(item: ItemState, actorId: string, secondPersonId: string | null): void {
  if (!item.correctors.includes(actorId)) return;
  if (secondPersonId && !item.correctors.includes(secondPersonId)) return;
  throw new UnprocessableError(
    `item ${item.code} had particulars corrected on a request you filed or approved: its next movement needs a witness ` +
      'who took no part in that correction (add "witness" with their username and password), or someone else to make it',
  );
}
