import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, ForbiddenError, UnprocessableError } from '../../errors';
import { assertOwningAgency, withLockedItems } from './access';
import { checkAttachmentContent } from './attachment-content';
import { writePrivateFile } from './attachment-store';
import { hasRole, type Caller } from '../directory/caller';
import { appendEvents } from '../ledger/append';
import { Attachment } from './records.entity';
import { transition } from './state-machine';

/** Commands that add to an item's record without moving it: holds, attachments, review dates (corrections: corrections.ts). */

function assertDecider(caller: Caller, action: string): void {
  if (!hasRole(caller, 'approver', 'clerk')) throw new ForbiddenError(`only an approver or clerk can ${action}`);
}

export async function placeHold(em: EntityManager, caller: Caller, code: string, reason: string) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    assertDecider(caller, 'place a legal hold');
    assertOwningAgency(caller, [item!], 'place a legal hold on it');
    transition(item!.code, item!.state, 'hold');
    if (item!.legalHold)
      throw new ConflictError(`item ${item!.code} is already under a legal hold (${item!.holdReason})`);
    const [event] = await appendEvents(tx, [
      { item: item!, type: 'hold_placed', actor: caller, to: item!.state, payload: { reason } },
    ]);
    return event!;
  });
}

export async function releaseHold(em: EntityManager, caller: Caller, code: string, reason: string) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    assertDecider(caller, 'release a legal hold');
    assertOwningAgency(caller, [item!], 'release its legal hold');
    transition(item!.code, item!.state, 'hold');
    if (!item!.legalHold) throw new ConflictError(`item ${item!.code} is not under a legal hold`);
    const [event] = await appendEvents(tx, [
      { item: item!, type: 'hold_released', actor: caller, to: item!.state, payload: { reason } },
    ]);
    return event!;
  });
}

export async function setReviewDate(
  em: EntityManager,
  caller: Caller,
  code: string,
  reviewDate: string,
  reason: string,
) {
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    if (!hasRole(caller, 'approver')) throw new ForbiddenError('only an approver changes a review date');
    assertOwningAgency(caller, [item!], 'change its review date');
    transition(item!.code, item!.state, 'review_date');
    const [event] = await appendEvents(tx, [
      {
        item: item!,
        type: 'review_date_set',
        actor: caller,
        to: item!.state,
        payload: { reviewDate, previous: item!.reviewDate, reason },
      },
    ]);
    return event!;
  });
}

export const ATTACHMENT_TYPES: Record<string, 'photo' | 'document'> = {
  'image/jpeg': 'photo',
  'image/png': 'photo',
  'application/pdf': 'document',
};
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export const attachmentPath = (dir: string, sha256: string) => path.join(dir, sha256.slice(0, 2), sha256);

/**
 * Stores a photograph or scan outside the database under its SHA-256 and records that hash in the ledger,
 * so that a file swapped on disk is detected when it is read back. Its bytes must be what its type says
 * (attachment-content.ts), checked once the caller is known to be allowed to attach to the item.
 */
export async function addAttachment(
  em: EntityManager,
  caller: Caller,
  code: string,
  input: { dir: string; contentType: string; data: Buffer; filename?: string },
) {
  const kind = ATTACHMENT_TYPES[input.contentType];
  if (!kind)
    throw new UnprocessableError(
      `attachments are ${Object.keys(ATTACHMENT_TYPES).join(', ')}; not ${input.contentType}`,
    );
  const sha256 = createHash('sha256').update(input.data).digest('hex');
  return withLockedItems(em, caller, [code], async (tx, [item]) => {
    transition(item!.code, item!.state, 'attachment');
    await checkAttachmentContent(input.contentType, input.data);
    // Written before the commit: a file whose event never commits is an unreferenced orphan, not a gap.
    await writePrivateFile(attachmentPath(input.dir, sha256), input.data);
    const attachment = tx.create(Attachment, {
      itemId: item!.id,
      kind,
      contentType: input.contentType,
      sizeBytes: input.data.length,
      sha256: Buffer.from(sha256, 'hex'),
      filename: input.filename ?? null,
      uploadedBy: caller.id,
    });
    await tx.flush();
    const [event] = await appendEvents(tx, [
      {
        item: item!,
        type: 'attachment_added',
        actor: caller,
        to: item!.state,
        payload: {
          attachmentId: attachment.id,
          kind,
          contentType: input.contentType,
          sizeBytes: String(input.data.length),
          sha256,
          filename: input.filename,
        },
      },
    ]);
    return { attachment, event: event! };
  });
}

/** Reads an attachment back, refusing a file whose content no longer matches the hash in the ledger. */
export async function readAttachment(dir: string, attachment: Attachment): Promise<Buffer> {
  const sha256 = attachment.sha256.toString('hex');
  const data = await fs.readFile(attachmentPath(dir, sha256)).catch(() => null);
  if (!data) throw new ConflictError(`the file of attachment ${attachment.id} is missing from storage`);
  if (createHash('sha256').update(data).digest('hex') !== sha256) {
    throw new ConflictError(
      `the file of attachment ${attachment.id} does not match the SHA-256 recorded in the ledger: it was altered`,
    );
  }
  return data;
}
