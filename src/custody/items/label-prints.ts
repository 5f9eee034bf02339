import type { EntityManager } from '@mikro-orm/postgresql';
import { ForbiddenError, UnprocessableError } from '../../errors';
import { withLockedItems } from './access';
import { hasRole, type Caller } from '../directory/caller';
import { appendEvents } from '../ledger/append';
import { transition } from './state-machine';

export interface PrintRecord {
  copies: number;
  format: string;
  size: string;
  /** Required when any of the items has been labelled before. */
  reason?: string;
}

/**
 * Records a print of item labels: one `label_printed` event per item, saying who printed how many, and
 * whether it is the first print or a reprint (which needs a reason, since a reprinted label is how a
 * swapped item goes unnoticed). Returns the items as they stand after the event, for the label itself.
 */
export async function recordLabelPrints(em: EntityManager, caller: Caller, codes: string[], print: PrintRecord) {
  if (!hasRole(caller, 'officer', 'clerk', 'warehouse'))
    throw new ForbiddenError('only officers, clerks and warehouse staff print labels');
  return withLockedItems(em, caller, codes, async (tx, items) => {
    for (const item of items) transition(item.code, item.state, 'label');
    const reprinted = items.filter((item) => item.labelPrints > 0);
    if (reprinted.length && !print.reason) {
      throw new UnprocessableError(
        `the label of ${reprinted.map((i) => i.code).join(', ')} was printed before; a reprint needs a reason (?reason=…)`,
      );
    }
    const events = await appendEvents(
      tx,
      items.map((item) => ({
        item,
        type: 'label_printed' as const,
        actor: caller,
        to: item.state,
        payload: {
          copies: String(print.copies),
          format: print.format,
          size: print.size,
          reprint: item.labelPrints > 0,
          reason: item.labelPrints > 0 ? print.reason : undefined,
        },
      })),
    );
    return events.map((e) => e.state);
  });
}
