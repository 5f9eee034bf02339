import type { Category, PhysicalState } from './item.entity';
import type { Envelope } from './events';

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
  labelPrints: number;
  lastSeq: number;
  lastHash: string;
  lastEventAt: string;
}

/** Particulars that a correction may change; everything else changes only through its own command. */
export const CORRECTABLE = [
  'description', 'quantity', 'unit', 'weightGrams', 'amount', 'currency', 'serialNumber', 'sealNumber',
  'seizedAt', 'seizedFrom', 'seizedPlace', 'category',
] as const;
export type Correctable = (typeof CORRECTABLE)[number];

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
    labelPrints: 0,
    lastSeq: 0,
    lastHash: '',
    lastEventAt: e.recordedAt,
  };
}

const inStore = (s: ItemState, e: Envelope): ItemState => ({
  ...s,
  locationId: e.location,
  holderUserId: null,
  holderName: null,
  loanRequestId: null,
  loanDueAt: null,
});

function apply(s: ItemState, e: Envelope): ItemState {
  const p = e.payload;
  switch (e.type) {
    case 'handover':
      return { ...s, holderUserId: str(p, 'toUserId'), locationId: null };
    case 'locker_deposit':
      return { ...s, holderUserId: null, locationId: e.location };
    case 'locker_retrieve':
      return { ...s, holderUserId: e.actor, locationId: null };
    case 'check_in':
    case 'move':
      return inStore(s, e);
    case 'return':
      return { ...inStore(s, e), sealNumber: str(p, 'sealNumber') ?? s.sealNumber };
    case 'check_out':
      return {
        ...s,
        locationId: null,
        holderUserId: null,
        holderName: str(p, 'borrower'),
        loanRequestId: e.requestId,
        loanDueAt: str(p, 'dueAt'),
      };
    case 'disposed':
      return { ...s, locationId: null, holderUserId: null, holderName: str(p, 'recipient'), disposalMethod: str(p, 'method') };
    case 'transfer_accepted': {
      const to = str(p, 'toAgencyId')!;
      return { ...s, owningAgencyId: to, heldByAgencyIds: s.heldByAgencyIds.includes(to) ? s.heldByAgencyIds : [...s.heldByAgencyIds, to] };
    }
    case 'hold_placed':
      return { ...s, legalHold: true, holdReason: str(p, 'reason') };
    case 'hold_released':
      return { ...s, legalHold: false, holdReason: null };
    case 'label_printed':
      return { ...s, labelPrints: s.labelPrints + 1 };
    case 'review_date_set':
      return { ...s, reviewDate: str(p, 'reviewDate')! };
    case 'correction': {
      const changes = (p.changes ?? {}) as Record<string, string | null>;
      const next = { ...s } as Record<string, unknown>;
      for (const field of CORRECTABLE) if (field in changes) next[field] = changes[field];
      return next as unknown as ItemState;
    }
    default:
      return s;
  }
}

/** The state after event `e`; `previous` is null only for the item's first event, its registration. */
export function project(previous: ItemState | null, e: Envelope, leafHashHex: string): ItemState {
  const base = previous === null ? register(e) : apply(previous, e);
  return { ...base, state: e.to, lastSeq: Number(e.itemSeq), lastHash: leafHashHex, lastEventAt: e.recordedAt };
}
