import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, UnprocessableError } from '../../errors';
import type { Json } from '../ledger/canonical-json';
import { pngProblem } from './attachment-content';
import { writePrivateFile } from './attachment-store';
import { attachmentPath, readAttachment } from './item-records';
import type { ItemState } from './projection';
import { Attachment } from './records.entity';

/**
 * Signatures given at the counter (交接签名). The officer handing items over and the warehouse user receiving
 * them may each sign on a pad; each signature is kept as an attachment of every item of the batch, and its
 * SHA-256 goes in every item's hand-over event, so the ledger proves which signature was given.
 */
export const SIGNERS = ['handedOverBy', 'receivedBy'] as const;
export type Signer = (typeof SIGNERS)[number];
export type Signatures = Partial<Record<Signer, Buffer>>;

/** What an event's payload records of one signature, and what the receipt reads back. */
export interface SignatureRecord {
  attachmentId: string;
  sha256: string;
}

const WHO: Record<Signer, string> = { handedOverBy: 'handing officer', receivedBy: 'receiving user' };

/** Refuses, before anything is written, a signature that is not a PNG that decodes. */
export async function checkSignatures(signatures: Signatures): Promise<void> {
  for (const signer of SIGNERS) {
    const data = signatures[signer];
    if (!data) continue;
    const problem = await pngProblem(data);
    if (problem) throw new UnprocessableError(`the ${WHO[signer]}'s signature is not a PNG: ${problem}`);
  }
}

/**
 * Stores the signatures for a batch: each file once under its SHA-256 (written before the commit, as any
 * attachment: a file whose event never commits is an orphan, not a gap), and a row per item and signature.
 * Returns, per item id, what that item's event payload records.
 */
export async function storeSignatures(
  tx: EntityManager,
  dir: string,
  items: ItemState[],
  signatures: Signatures,
  uploadedBy: string,
): Promise<Map<string, { [signer: string]: Json }>> {
  const recorded = new Map(items.map((item) => [item.id, {} as { [signer: string]: Json }]));
  for (const signer of SIGNERS) {
    const data = signatures[signer];
    if (!data) continue;
    const sha256 = createHash('sha256').update(data).digest('hex');
    await writePrivateFile(attachmentPath(dir, sha256), data);
    for (const item of items) {
      const attachmentId = randomUUID();
      tx.create(Attachment, {
        id: attachmentId,
        itemId: item.id,
        kind: 'signature',
        contentType: 'image/png',
        sizeBytes: data.length,
        sha256: Buffer.from(sha256, 'hex'),
        filename: `signature-${signer}.png`,
        uploadedBy,
      });
      recorded.get(item.id)![signer] = { attachmentId, sha256 } satisfies SignatureRecord as unknown as Json;
    }
  }
  return recorded;
}

/**
 * The signatures of a hand-over as its ledger records them: read from the hand-over event of the batch's
 * first item (an item is handed over once, and every item of a batch records the same SHA-256s).
 */
export async function handoverSignatures(
  em: EntityManager,
  handover: { id: string; itemIds: string[] },
): Promise<Partial<Record<Signer, SignatureRecord>>> {
  const [row] = await em.execute<{ canonical: string }[]>(
    `select canonical from ledger_events where item_id = ? and type = 'handover' order by item_seq desc limit 1`,
    [handover.itemIds[0]],
  );
  const payload = row ? (JSON.parse(row.canonical) as { payload: Record<string, unknown> }).payload : {};
  if (payload.handoverId !== handover.id) return {};
  return (payload.signatures ?? {}) as Partial<Record<Signer, SignatureRecord>>;
}

/** A signature's file, read back through its attachment row (refused if it no longer matches the ledger). */
export async function readSignature(em: EntityManager, dir: string, record: SignatureRecord): Promise<Buffer> {
  const attachment = await em.findOneOrFail(Attachment, { id: record.attachmentId, kind: 'signature' });
  if (attachment.sha256.toString('hex') !== record.sha256)
    throw new ConflictError(`signature ${record.attachmentId} does not match the SHA-256 in its hand-over event`);
  return readAttachment(dir, attachment);
}
