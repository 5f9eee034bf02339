import type { Category, PhysicalState } from './item-kinds';
import type { Envelope } from '../ledger/events';

/**
 * The current state of one item, as the ledger determines it. `project` is the only way it changes: the
 * commands use it to update the items row in the append transaction, and the replay check uses it to
 * rebuild every row from the ledger alone.
 */
export interface ItemState {
  id: string;
  code: string;
  caseId: string;
  itemNo: number;
  category: Category;
  description: string;
  quantity: string;
  unit: string;
  weightGrams: string | null;
  amount: string | null;
  currency: string | null;
  serialNumber: string | null;
  sealNumber: string | null;
  seizedAt: string;
  seizedFrom: string | null;
  seizedPlace: string | null;
  seizedBy: string;
  reviewDate: string;
  legalHold: boolean;
  holdReason: string | null;
  state: PhysicalState;
  owningAgencyId: string;
  heldByAgencyIds: string[];
  locationId: string | null;
  holderUserId: string | null;
  holderName: string | null;
  loanRequestId: string | null;
  loanDueAt: string | null;
  disposalMethod: string | null;
  /**
   * Who requested and who approved the four-eyes corrections made since the item last moved: none of
   * them makes its next movement without a witness who is none of them.
   */
  correctors: string[];
  labelPrints: number;
  lastSeq: number;
  lastHash: string;
  lastEventAt: string;
}

/** Particulars that a correction may change; everything else changes only through its own command. */
export const CORRECTABLE = [
  'description',
  'quantity',
  'unit',
  'weightGrams',
  'amount',
  'currency',
  'serialNumber',
  'sealNumber',
  'seizedAt',
  'seizedFrom',
  'seizedPlace',
  'category',
] as const;
export type Correctable = (typeof CORRECTABLE)[number];

/**
 * The particulars a rule reads, which one person alone may not correct (four eyes, docs/corrections.md):
 * the category (witnesses, the places that take it, a safe, a photograph of valuables), what a return is
 * compared with (seal, quantity and its unit, weight), and the declared value of cash and valuables.
 * The others (description, serial number, when, where and from whom seized) no rule reads after
 * registration.
 */
export const CONTROLLED: readonly Correctable[] = [
  'category',
  'sealNumber',
  'quantity',
  'unit',
  'weightGrams',
  'amount',
  'currency',
];

/** The events that move an item; the first after a four-eyes correction is the one its correctors may not make alone. */
const MOVEMENTS: ReadonlySet<Envelope['type']> = new Set([
  'handover',
  'locker_deposit',
  'locker_retrieve',
  'check_in',
  'move',
  'check_out',
  'return',
  'disposed',
]);

type Payload = Envelope['payload'];
const str = (payload: Payload, key: string): string | null => {
  const value = payload[key];
  return typeof value === 'string' ? value : null;
};

function register(e: Envelope): ItemState {
  const p = e.payload;
  return {
    id: e.itemId,
    code: str(p, 'code')!,
    caseId: str(p, 'caseId')!,
    itemNo: Number(str(p, 'itemNo')),
    category: str(p, 'category') as Category,
    description: str(p, 'description')!,
    quantity: str(p, 'quantity')!,
    unit: str(p, 'unit')!,
    weightGrams: str(p, 'weightGrams'),
    amount: str(p, 'amount'),
    currency: str(p, 'currency'),
    serialNumber: str(p, 'serialNumber'),
    sealNumber: str(p, 'sealNumber'),
    seizedAt: str(p, 'seizedAt')!,
    seizedFrom: str(p, 'seizedFrom'),
    seizedPlace: str(p, 'seizedPlace'),
    seizedBy: str(p, 'seizedBy')!,
    reviewDate: str(p, 'reviewDate')!,
    legalHold: false,
    holdReason: null,
    state: 'registered',
    owningAgencyId: e.agency!,
    heldByAgencyIds: [e.agency!],
    locationId: null,
    holderUserId: str(p, 'seizedBy'),
    holderName: null,
    loanRequestId: null,
    loanDueAt: null,
    disposalMethod: null,
    correctors: [],
    labelPrints: 0,
    lastSeq: 0,
    lastHash: '',
    lastEventAt: e.recordedAt,
  };
}

/** Puts the item in store at the event's location: no holder, no loan. */
function putInStore(s: ItemState, e: Envelope): void {
  s.locationId = e.location;
  s.holderUserId = null;
  s.holderName = null;
  s.loanRequestId = null;
  s.loanDueAt = null;
}

/** Changes `s` by event `e` (any but the registration), in place. */
function apply(s: ItemState, e: Envelope): void {
  // The payload only where it is read: a verification reads it from the event's bytes when asked for.
  if (MOVEMENTS.has(e.type) && s.correctors.length) s.correctors = [];
  switch (e.type) {
    case 'handover':
      s.holderUserId = str(e.payload, 'toUserId');
      s.locationId = null;
      return;
    case 'locker_deposit':
      s.holderUserId = null;
      s.locationId = e.location;
      return;
    case 'locker_retrieve':
      s.holderUserId = e.actor;
      s.locationId = null;
      return;
    case 'check_in':
    case 'move':
      putInStore(s, e);
      return;
    case 'return':
      putInStore(s, e);
      s.sealNumber = str(e.payload, 'sealNumber') ?? s.sealNumber;
      return;
    case 'check_out':
      s.locationId = null;
      s.holderUserId = null;
      s.holderName = str(e.payload, 'borrower');
      s.loanRequestId = e.requestId;
      s.loanDueAt = str(e.payload, 'dueAt');
      return;
    case 'disposed':
      s.locationId = null;
      s.holderUserId = null;
      s.holderName = str(e.payload, 'recipient');
      s.disposalMethod = str(e.payload, 'method');
      return;
    case 'transfer_accepted': {
      const to = str(e.payload, 'toAgencyId')!;
      s.owningAgencyId = to;
      // A new array, never a push: a state copied by `project` shares its array with the one before.
      if (!s.heldByAgencyIds.includes(to)) s.heldByAgencyIds = [...s.heldByAgencyIds, to];
      return;
    }
    case 'hold_placed':
      s.legalHold = true;
      s.holdReason = str(e.payload, 'reason');
      return;
    case 'hold_released':
      s.legalHold = false;
      s.holdReason = null;
      return;
    case 'label_printed':
      s.labelPrints += 1;
      return;
    case 'review_date_set':
      s.reviewDate = str(e.payload, 'reviewDate')!;
      return;
    case 'correction': {
      const p = e.payload;
      const changes = (p.changes ?? {}) as Record<string, string | null>;
      const fields = s as unknown as Record<string, unknown>;
      for (const field of CORRECTABLE) if (field in changes) fields[field] = changes[field];
      // Only a four-eyes correction (carried out by its request's approval) names correctors. A new
      // array, never a push (see transfer_accepted).
      if (e.requestId) {
        const named = [str(p, 'requestedBy')!, str(p, 'approvedBy')!].filter((id) => !s.correctors.includes(id));
        s.correctors = [...s.correctors, ...named];
      }
      return;
    }
  }
}

/**
 * The state after event `e`, changing `state` itself: for a replay, which keeps only each item's latest
 * state and so need not copy 33 fields per event. `state` is null only for the item's first event, its
 * registration.
 */
export function projectInPlace(state: ItemState | null, e: Envelope, leafHashHex: string): ItemState {
  const s = state ?? register(e);
  if (state) apply(s, e);
  s.state = e.to;
  s.lastSeq = Number(e.itemSeq);
  s.lastHash = leafHashHex;
  s.lastEventAt = e.recordedAt;
  return s;
}

/** The state after event `e`, leaving `previous` as it was; `previous` is null only for the item's registration. */
export function project(previous: ItemState | null, e: Envelope, leafHashHex: string): ItemState {
  return projectInPlace(previous && { ...previous }, e, leafHashHex);
}
