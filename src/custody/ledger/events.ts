import type { Json } from './canonical-json';
import type { PhysicalState } from '../items/item-kinds';

export const EVENT_TYPES = [
  'registered',
  'handover',
  'locker_deposit',
  'locker_retrieve',
  'check_in',
  'move',
  'check_out',
  'return',
  'disposed',
  'request_created',
  'request_approved',
  'request_rejected',
  'request_cancelled',
  'transfer_offered',
  'transfer_accepted',
  'transfer_refused',
  'hold_placed',
  'hold_released',
  'correction',
  'attachment_added',
  'label_printed',
  'audited',
  'review_date_set',
  'alert',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const ENVELOPE_VERSION = '1';

/**
 * One custody event as the ledger records it: serialized as RFC 8785 canonical JSON and hashed. Ids,
 * numbers and times are strings; text is NFC-normalized; absent values are null, never missing.
 */
export interface Envelope {
  v: typeof ENVELOPE_VERSION;
  itemId: string;
  itemSeq: string;
  prevItemHash: string | null;
  type: EventType;
  /** User id of who acted; null for the system (e.g. a raised alert). */
  actor: string | null;
  /** The acting user's agency id. */
  agency: string | null;
  device: string | null;
  /** Physical state before and after. */
  from: PhysicalState | null;
  to: PhysicalState;
  /** Location id the item is at (or was put in) after the event, if any. */
  location: string | null;
  requestId: string | null;
  occurredAt: string;
  recordedAt: string;
  payload: { [key: string]: Json };
}

/** NFC-normalizes every string, so that the same text typed on two systems hashes the same. */
export function normalizeText<T extends Json>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map(normalizeText) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.normalize('NFC'), normalizeText(v)])) as T;
  }
  return value;
}
