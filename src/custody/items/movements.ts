import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, UnprocessableError } from '../../errors';
import { assertOwningAgency, withLockedItems } from './access';
import type { Caller } from '../directory/caller';
import { assertNotCorrectorAlone } from './corrections';
import { appendEvents, type DeviceOrigin, type EventDraft } from '../ledger/append';
import { placeItem, type Place } from '../directory/locations';
import type { ItemState } from './projection';
import { checkSignatures, storeSignatures, type Signatures } from './handover-signatures';
import { Alert, Handover } from './records.entity';
import { CustodyRequest, RequestItem, type RequestKind } from './request.entity';
import type { Person } from '../directory/sign-in';
import { arrayLiteral, type Sql } from '../sql';
import { needsWitness, transition, type PhysicalCommand } from './state-machine';

/**
 * The commands that move an item between physical states. Each locks its item, checks the state machine
 * and the rules of the command, and appends exactly one event, all in one transaction.
 */

/** How far a device's clock may be behind the server's receive time for its time to become the event's. */
export const DEVICE_CLOCK_TOLERANCE_MS = 5 * 60_000;

export type DeviceTimeFlag = 'ahead_of_server_time' | 'far_from_server_time' | 'before_previous_event';

/**
 * The envelope fields and payload of an event a device caused. The device's clock is only a claim: it is the
 * event's time when it lies between the item's last event and the moment the server received the message,
 * at most DEVICE_CLOCK_TOLERANCE_MS before that moment. Otherwise the event takes the server's time, and the
 * payload keeps the claim and says why it was set aside, so that neither a forged clock nor one that drifted
 * (nor scans buffered offline, which arrive late) can put an event before the one it follows.
 */
export function fromDevice(
  origin: DeviceOrigin | undefined,
  item: ItemState,
): { envelope: Pick<EventDraft, 'device' | 'occurredAt'>; payload: { [key: string]: string | boolean } } {
  if (!origin) return { envelope: {}, payload: {} };
  const claimed = Date.parse(origin.deviceTime);
  const received = Date.parse(origin.receivedAt);
  // No key at all rather than an undefined one, which the envelope would write as null.
  const replayed: { [key: string]: boolean } = origin.replayed ? { replayed: true } : {};
  let flag: DeviceTimeFlag | null = null;
  if (claimed > received) flag = 'ahead_of_server_time';
  else if (claimed < received - DEVICE_CLOCK_TOLERANCE_MS) flag = 'far_from_server_time';
  // The item's last event was recorded then: its own time is no later.
  else if (claimed < Date.parse(item.lastEventAt)) flag = 'before_previous_event';
  if (flag)
    return {
      envelope: { device: origin.device },
      payload: { ...replayed, deviceTime: origin.deviceTime, deviceTimeFlag: flag },
    };
  return { envelope: { device: origin.device, occurredAt: new Date(claimed).toISOString() }, payload: replayed };
}

/**
 * Cash, drugs, firearms and valuables need a second person, who confirmed with their own credentials; so
 * does any item's first movement by someone who took part in a four-eyes correction of it.
 */
function witnessFor(
  item: ItemState,
  command: PhysicalCommand,
  caller: Caller,
  witness: Person | undefined,
): string | null {
  if (witness && witness.id === caller.id)
    throw new UnprocessableError('the witness must be someone other than the person acting');
  if (!witness && needsWitness(item.category, command)) {
    throw new UnprocessableError(
      `${item.category} needs a witness at ${command}: add "witness" with a second person's username and password`,
    );
  }
  assertNotCorrectorAlone(item, caller.id, witness?.id ?? null);
  return witness?.id ?? null;
}

export interface HandoverInput {
  itemCodes: string[];
  from: Person;
  note?: string;
  /** The PNGs both people may draw at the counter, and the attachments folder they are stored in. */
  signatures?: Signatures;
  attachmentsDir: string;
}

/** An officer hands a batch of items to the centre: one hand-over record (the receipt), one event per item. */
export async function handOver(em: EntityManager, caller: Caller, input: HandoverInput) {
  const { from } = input;
  if (from.id === caller.id)
    throw new UnprocessableError('the person handing over and the person receiving must differ');
  if (!from.roles.some((r) => r === 'officer' || r === 'clerk')) {
    throw new UnprocessableError(`${from.username} is not an officer or clerk and cannot hand items over`);
  }
  const signatures = input.signatures ?? {};
  await checkSignatures(signatures);
  return withLockedItems(em, caller, input.itemCodes, async (tx, items) => {
    for (const item of items) {
      transition(item.code, item.state, 'handover');
      assertNotCorrectorAlone(item, caller.id, from.id);
      if (item.owningAgencyId !== from.agencyId) {
        throw new UnprocessableError(`item ${item.code} belongs to another agency than ${from.username}'s`);
      }
    }
    const record = tx.create(Handover, {
      fromUserId: from.id,
      toUserId: caller.id,
      itemIds: items.map((i) => i.id),
      note: input.note ?? null,
    });
    const signed = await storeSignatures(tx, input.attachmentsDir, items, signatures, caller.id);
    await tx.flush();
    const events = await appendEvents(
      tx,
      items.map((item) => {
        const itemSignatures = signed.get(item.id)!;
        return {
          item,
          type: 'handover' as const,
          actor: caller,
          to: 'received' as const,
          location: null,
          payload: {
            handoverId: record.id,
            fromUserId: from.id,
            toUserId: caller.id,
            note: input.note,
            // No key at all when nobody signed (an undefined one is written as null): unsigned hand-overs
            // read as they always did.
            ...(Object.keys(itemSignatures).length > 0 ? { signatures: itemSignatures } : {}),
          },
        };
      }),
    );
    return { handover: record, events };
  });
}

export async function lockerDeposit(
  em: EntityManager,
  caller: Caller,
  code: string,
  compartmentCode: string,
  origin?: DeviceOrigin,
) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    const to = transition(item!.code, item!.state, 'locker_deposit');
    assertOwningAgency(caller, [item!], 'deposit it');
    assertNotCorrectorAlone(item!, caller.id, null);
    const compartment = await placeItem(tx, item!, compartmentCode, ['compartment']);
    const device = fromDevice(origin, item!);
    const [event] = await appendEvents(tx, [
      {
        item: item!,
        type: 'locker_deposit',
        actor: caller,
        to,
        location: compartment.id,
        ...device.envelope,
        payload: { compartment: compartment.code, ...device.payload },
      },
    ]);
    return event!;
  });
}

export async function lockerRetrieve(em: EntityManager, caller: Caller, code: string, origin?: DeviceOrigin) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    const to = transition(item!.code, item!.state, 'locker_retrieve');
    assertNotCorrectorAlone(item!, caller.id, null);
    const device = fromDevice(origin, item!);
    const [event] = await appendEvents(tx, [
      {
        item: item!,
        type: 'locker_retrieve',
        actor: caller,
        to,
        location: null,
        ...device.envelope,
        payload: { fromLocationId: item!.locationId, ...device.payload },
      },
    ]);
    return event!;
  });
}

/**
 * A command that puts one item in a storage location (check-in, move). `decide` checks every rule of the
 * command on the locked item and returns its event once the place is known; the place's own rules and
 * room are checked between the two, with other placements in one transaction (GroupCommit).
 */
export interface Placement {
  code: string;
  locationCode: string;
  decide(item: ItemState, photographed: boolean): (place: Place) => EventDraft;
}

/** The codes of the items among `codes` that have a photo attached. */
export async function photographedItems(sql: Sql, codes: string[]): Promise<Set<string>> {
  const rows = await sql.execute<{ code: string }[]>(
    `select i.code from items i where i.code = any (?::text[])
        and exists (select 1 from attachments a where a.item_id = i.id and a.kind = 'photo')`,
    [arrayLiteral(codes)],
  );
  return new Set(rows.map((row) => row.code));
}

/** Valuables are the only items whose placement depends on a photo. */
const needsPhoto = (item: ItemState) => item.category === 'valuables';

export interface CheckInInput {
  locationCode: string;
  witness?: Person;
  note?: string;
  origin?: DeviceOrigin;
}

export function checkInPlacement(caller: Caller, code: string, input: CheckInInput): Placement {
  return {
    code,
    locationCode: input.locationCode,
    decide: (item, photographed) => {
      const to = transition(item.code, item.state, 'check_in');
      const witnessId = witnessFor(item, 'check_in', caller, input.witness);
      if (needsPhoto(item) && !photographed) {
        throw new UnprocessableError(
          `valuables must be photographed before check-in: add a photo to item ${item.code}`,
        );
      }
      const device = fromDevice(input.origin, item);
      return (location) => ({
        item,
        type: 'check_in',
        actor: caller,
        to,
        location: location.id,
        ...device.envelope,
        payload: { witnessId, note: input.note, ...device.payload },
      });
    },
  };
}

export interface MoveInput {
  locationCode: string;
  /** Needed only by someone who took part in a four-eyes correction of the item since it last moved. */
  witness?: Person;
  note?: string;
}

export function movePlacement(caller: Caller, code: string, input: MoveInput): Placement {
  return {
    code,
    locationCode: input.locationCode,
    decide: (item) => {
      const to = transition(item.code, item.state, 'move');
      const witnessId = witnessFor(item, 'move', caller, input.witness);
      return (location) => {
        if (location.id === item.locationId)
          throw new ConflictError(`item ${item.code} is already at ${input.locationCode}`);
        // A move records a witness only when it had one, as moves did before they could.
        const witnessed = witnessId ? { witnessId } : {};
        return {
          item,
          type: 'move',
          actor: caller,
          to,
          location: location.id,
          payload: { fromLocationId: item.locationId, ...witnessed, note: input.note },
        };
      };
    },
  };
}

/** Marks the item done within its approved request; the request is carried out when all its items are. */
async function carryOut(
  tx: EntityManager,
  requestId: string,
  kind: RequestKind,
  item: ItemState,
): Promise<CustodyRequest> {
  const request = await tx.findOne(CustodyRequest, { id: requestId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!request || request.kind !== kind) throw new UnprocessableError(`request ${requestId} is not a ${kind} request`);
  if (request.status !== 'approved') {
    throw new ConflictError(`request ${requestId} is ${request.status}; only an approved request can be carried out`);
  }
  const line = await tx.findOne(RequestItem, { requestId, itemId: item.id });
  if (!line) throw new UnprocessableError(`item ${item.code} is not part of request ${requestId}`);
  if (line.carriedOutAt)
    throw new ConflictError(`item ${item.code} has already been handled under request ${requestId}`);
  line.carriedOutAt = new Date();
  await tx.flush();
  if ((await tx.count(RequestItem, { requestId, carriedOutAt: null })) === 0) request.status = 'carried_out';
  await tx.flush();
  return request;
}

export interface CheckOutInput {
  requestId: string;
  condition: string;
  witness?: Person;
  origin?: DeviceOrigin;
}

export async function checkOut(em: EntityManager, caller: Caller, code: string, input: CheckOutInput) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    const to = transition(item!.code, item!.state, 'check_out');
    const witnessId = witnessFor(item!, 'check_out', caller, input.witness);
    const loan = await carryOut(tx, input.requestId, 'loan', item!);
    const device = fromDevice(input.origin, item!);
    const [event] = await appendEvents(tx, [
      {
        item: item!,
        type: 'check_out',
        actor: caller,
        to,
        location: null,
        requestId: loan.id,
        ...device.envelope,
        payload: {
          ...device.payload,
          borrower: loan.borrower,
          purpose: loan.purpose,
          dueAt: loan.dueAt!.toISOString(),
          condition: input.condition,
          fromLocationId: item!.locationId,
          witnessId,
        },
      },
    ]);
    return event!;
  });
}

export interface ReturnInput {
  locationCode: string;
  condition: string;
  sealNumber?: string;
  quantity?: string;
  weightGrams?: string;
  witness?: Person;
  note?: string;
}

// A returned item may weigh a little differently (moisture, packaging); more than this is a mismatch.
const WEIGHT_TOLERANCE = 0.01;

function returnMismatches(item: ItemState, input: ReturnInput): string[] {
  const mismatches: string[] = [];
  if (input.sealNumber !== undefined && input.sealNumber !== item.sealNumber) {
    mismatches.push(`seal ${input.sealNumber} instead of ${item.sealNumber ?? 'none'}`);
  }
  if (input.quantity !== undefined && Number(input.quantity) !== Number(item.quantity)) {
    mismatches.push(`quantity ${input.quantity} instead of ${item.quantity} ${item.unit}`);
  }
  if (input.weightGrams !== undefined && item.weightGrams !== null) {
    const expected = Number(item.weightGrams);
    if (Math.abs(Number(input.weightGrams) - expected) > expected * WEIGHT_TOLERANCE) {
      mismatches.push(`weight ${input.weightGrams} g instead of ${item.weightGrams} g`);
    }
  }
  return mismatches;
}

/** Takes a lent item back. Seal, count and weight are compared; a mismatch is recorded and raised as an alert. */
export async function returnItem(em: EntityManager, caller: Caller, code: string, input: ReturnInput) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    const to = transition(item!.code, item!.state, 'return');
    const witnessId = witnessFor(item!, 'return', caller, input.witness);
    const location = await placeItem(tx, item!, input.locationCode);
    const mismatches = returnMismatches(item!, input);
    const [event] = await appendEvents(tx, [
      {
        item: item!,
        type: 'return',
        actor: caller,
        to,
        location: location.id,
        requestId: item!.loanRequestId,
        payload: {
          condition: input.condition,
          sealNumber: input.sealNumber,
          quantity: input.quantity,
          weightGrams: input.weightGrams,
          mismatches,
          witnessId,
          note: input.note,
        },
      },
    ]);
    if (mismatches.length) {
      tx.create(Alert, {
        kind: 'return_mismatch',
        itemId: item!.id,
        message: `item ${item!.code} came back with ${mismatches.join('; ')}`,
        eventIdx: event!.index,
      });
      await tx.flush();
    }
    return { event: event!, mismatches };
  });
}

export interface DisposeInput {
  requestId: string;
  witness?: Person;
  recipient?: string;
  note?: string;
}

export async function dispose(em: EntityManager, caller: Caller, code: string, input: DisposeInput) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    const to = transition(item!.code, item!.state, 'dispose');
    if (item!.legalHold)
      throw new ConflictError(
        `item ${item!.code} is under a legal hold (${item!.holdReason}); it cannot be disposed of`,
      );
    const witnessId = witnessFor(item!, 'dispose', caller, input.witness);
    const disposal = await carryOut(tx, input.requestId, 'disposal', item!);
    const [event] = await appendEvents(tx, [
      {
        item: item!,
        type: 'disposed',
        actor: caller,
        to,
        location: null,
        requestId: disposal.id,
        payload: {
          method: disposal.method,
          orderReference: disposal.orderReference,
          recipient: input.recipient,
          fromLocationId: item!.locationId,
          witnessId,
          note: input.note,
        },
      },
    ]);
    return event!;
  });
}
