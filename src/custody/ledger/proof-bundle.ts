import type { EntityManager } from '@mikro-orm/postgresql';
import { checkpointCovering, latestCheckpoint, signCheckpoint, type CheckpointSigner } from './checkpoints';
import { inclusionProof } from './merkle';
import type { ItemState } from '../items/projection';
import { ledgerRangeRoots } from './tree-store';
import { BUNDLE_FORMAT, type ProofBundle } from '../../verifier/verify-bundle';

/**
 * Builds the bundle of the item's events up to `item.lastSeq` (the state the caller was shown, even when
 * another event has been appended since), signing a checkpoint first if the last of them is not yet in one.
 */
export async function buildProofBundle(
  em: EntityManager,
  item: ItemState,
  signing: CheckpointSigner,
): Promise<ProofBundle> {
  const events = await em.execute<{ idx: string; canonical: string }[]>(
    'select idx, canonical from ledger_events where item_id = ? and item_seq <= ? order by item_seq',
    [item.id, item.lastSeq],
  );
  const latest = Number(events.at(-1)!.idx);
  const signed = await latestCheckpoint(em);
  if (!signed || signed.size <= latest) await signCheckpoint(em, signing);
  const checkpoint = await checkpointCovering(em, latest + 1);
  const hashes = await inclusionProof(ledgerRangeRoots(em), checkpoint.size, latest);
  return {
    format: BUNDLE_FORMAT,
    itemId: item.id,
    itemCode: item.code,
    events: events.map((e) => ({ index: Number(e.idx), canonical: e.canonical })),
    checkpoint: checkpoint.note,
    inclusion: { index: latest, treeSize: checkpoint.size, hashes: hashes.map((h) => h.toString('base64')) },
  };
}
