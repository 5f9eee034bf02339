import type { EntityManager } from '@mikro-orm/postgresql';
import type { ItemState } from '../items/projection';

/**
 * Where to read an item's history and proof bundle from: the replica when it already holds the item's events
 * up to the one the primary showed the caller (`item.lastSeq`) and a signed checkpoint covering it; the
 * primary otherwise (a replica behind, or a checkpoint still to sign, which only the primary can). So a
 * report is read from the replica whenever it can be, and is never older than what the caller has just seen
 * or done. MUST be given the item as read on the primary.
 */
export async function historyReader(
  primary: EntityManager,
  replica: EntityManager,
  item: Pick<ItemState, 'id' | 'lastSeq'>,
): Promise<EntityManager> {
  if (primary === replica) return primary;
  const [row] = await replica.execute<{ caughtUp: boolean }[]>(
    `select exists (select 1 from ledger_events e
                     where e.item_id = ? and e.item_seq = ?
                       and e.idx < (select coalesce(max(size), 0) from checkpoints)) as "caughtUp"`,
    [item.id, item.lastSeq],
  );
  return row?.caughtUp ? replica : primary;
}
