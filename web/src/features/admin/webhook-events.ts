import type { WebhookEventType } from './api';
import type { words } from './webhooks.words';

type WebhookWords = typeof words.zh;

// Every event type a subscription may ask for, in the server's order (src/interconnect/webhooks/messages.ts):
// one added there fails to compile here until it is named, and webhooks.words.ts must name it too.
export const EVENT_TYPES = Object.keys({
  registered: 1,
  handover: 1,
  locker_deposit: 1,
  locker_retrieve: 1,
  check_in: 1,
  move: 1,
  check_out: 1,
  return: 1,
  disposed: 1,
  request_created: 1,
  request_approved: 1,
  request_rejected: 1,
  request_cancelled: 1,
  transfer_offered: 1,
  transfer_accepted: 1,
  transfer_refused: 1,
  hold_placed: 1,
  hold_released: 1,
  correction: 1,
  attachment_added: 1,
  label_printed: 1,
  audited: 1,
  review_date_set: 1,
  alert: 1,
  'alert.changed': 1,
  'request.changed': 1,
} satisfies Record<WebhookEventType, 1>) as WebhookEventType[];

/** The changes of alerts and requests, as against the ledger's own events. */
export const isChange = (type: string) => type.includes('.');

/** An event type in words; one this console does not know yet (an attempt's, say) is shown as it is. */
export function eventName(w: WebhookWords, type: string): string {
  const word = (w as Record<string, unknown>)[`event_${type}`];
  return typeof word === 'string' ? word : type;
}

// Each type the console offers has its words: `w[`event_${type}`]` compiles only if so.
export const named = (w: WebhookWords, type: WebhookEventType): string => w[`event_${type}`];
