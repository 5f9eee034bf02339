import { z } from 'zod';
import { canSeeItem } from '../custody/items/access';
import type { Caller } from '../custody/directory/caller';
import { itemViewsById, presentItem } from '../custody/items/item-queries';
import { handoverSignatures } from '../custody/items/handover-signatures';
import { handOver } from '../custody/items/movements';
import { Handover } from '../custody/items/records.entity';
import { NotFoundError } from '../errors';
import { uuidParam } from './common.schemas';
import { handoverBody, itemSchema } from './custody.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';
import { confirmSecondPerson } from './second-person';

const signatureRecord = z.object({ attachmentId: z.uuid(), sha256: z.string() });

const handoverSchema = z.object({
  id: z.uuid(),
  fromUser: z.object({ id: z.uuid(), username: z.string(), displayName: z.string() }),
  toUser: z.object({ id: z.uuid(), username: z.string(), displayName: z.string() }),
  note: z.string().nullable(),
  /** The signatures given, as the hand-over events record them (the attachment of the batch's first item). */
  signatures: z.object({
    handedOverBy: signatureRecord.nullable(),
    receivedBy: signatureRecord.nullable(),
  }),
  createdAt: z.iso.datetime(),
  items: z.array(itemSchema),
});

export function handoverRoutes(api: Api, { orm, config, loginThrottle }: AppDeps): void {
  const attachmentsDir = `${config.dataDir}/attachments`;

  /** The receipt (交接单): the batch, both people, and every item as it stands now. */
  async function present(record: Handover, caller: Caller) {
    const users = await orm.em.execute<{ id: string; username: string; display_name: string }[]>(
      'select id, username, display_name from users where id in (?, ?)',
      [record.fromUserId, record.toUserId],
    );
    const person = (id: string) => {
      const u = users.find((row) => row.id === id)!;
      return { id: u.id, username: u.username, displayName: u.display_name };
    };
    const items = await itemViewsById(orm.em, record.itemIds);
    if (!items.some((item) => canSeeItem(caller, item)))
      throw new NotFoundError(`hand-over ${record.id} does not exist`);
    const signatures = await handoverSignatures(orm.em, record);
    return {
      id: record.id,
      fromUser: person(record.fromUserId),
      toUser: person(record.toUserId),
      note: record.note ?? null,
      signatures: { handedOverBy: signatures.handedOverBy ?? null, receivedBy: signatures.receivedBy ?? null },
      createdAt: record.createdAt.toISOString(),
      items: items.map(presentItem),
    };
  }

  api.add({
    method: 'post',
    path: '/handovers',
    summary:
      'Receive a batch of registered items from an officer, who confirms with their own credentials; both may sign (PNG)',
    tag: 'custody',
    access: ['warehouse'],
    body: handoverBody,
    responses: { 201: { description: 'the hand-over receipt', schema: handoverSchema } },
    handler: async ({ req, res, body, caller }) => {
      const from = await confirmSecondPerson(orm, req, 'handing officer', body.handedOverBy, loginThrottle);
      const { handover } = await handOver(orm.em, caller, {
        itemCodes: body.itemCodes,
        from,
        note: body.note,
        signatures: body.signatures,
        attachmentsDir,
      });
      res
        .status(201)
        .location(`/api/v1/handovers/${handover.id}`)
        .json(await present(handover, caller));
    },
  });

  api.add({
    method: 'get',
    path: '/handovers/{id}',
    summary: 'Read a hand-over receipt',
    tag: 'custody',
    access: 'authenticated',
    params: uuidParam,
    responses: { 200: { description: 'the hand-over receipt', schema: handoverSchema } },
    handler: async ({ res, params, caller }) => {
      const record = await orm.em.findOne(Handover, { id: params.id });
      if (!record) throw new NotFoundError(`hand-over ${params.id} does not exist`);
      res.json(await present(record, caller));
    },
  });
}
