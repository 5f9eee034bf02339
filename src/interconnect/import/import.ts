import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../../custody/directory/caller';
import { registerItems } from '../../custody/items/cases';
import type { NewItem } from './rows';

/** Items registered by one statement of the ledger's append: progress is told after each. */
const CHUNK = 500;

/**
 * Registers every item of an import in one transaction, so that all of them are registered or none; the
 * ledger's head is held from the first chunk to the commit, so that other commands wait for a large
 * import (10,000 items: a few seconds; docs/interconnection.md).
 */
export async function importItems(
  em: EntityManager,
  caller: Caller,
  caseId: string,
  items: NewItem[],
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<{ code: string; itemNo: number }[]> {
  return em.transactional(async (tx) => {
    const registered: { code: string; itemNo: number }[] = [];
    for (let at = 0; at < items.length; at += CHUNK) {
      const events = await registerItems(tx, caller, caseId, items.slice(at, at + CHUNK));
      registered.push(...events.map((e) => ({ code: e.state.code, itemNo: e.state.itemNo })));
      onProgress(registered.length, items.length);
    }
    return registered;
  });
}
