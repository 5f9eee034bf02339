import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Caller } from '../custody/directory/caller';
import type { Placed } from '../custody/items/group-commit';
import {
  findItemView,
  findReadableItemView,
  itemEvents,
  itemPhotos,
  presentItem,
  searchItems,
  type ItemView,
} from '../custody/items/item-queries';
import { correct } from '../custody/items/corrections';
import {
  addAttachment,
  MAX_ATTACHMENT_BYTES,
  ATTACHMENT_TYPES,
  placeHold,
  readAttachment,
  releaseHold,
  setReviewDate,
} from '../custody/items/item-records';
import type { AppendedEvent } from '../custody/ledger/append';
import {
  checkInPlacement,
  checkOut,
  dispose,
  lockerDeposit,
  lockerRetrieve,
  movePlacement,
  returnItem,
} from '../custody/items/movements';
import { Attachment } from '../custody/items/records.entity';
import { NotFoundError, UnprocessableError } from '../errors';
import { recordReportAccess } from '../reports/report-access';
import { boundedPageOf, pageOf, pageQuery } from './common.schemas';
import {
  attachmentQuery,
  checkInBody,
  checkOutBody,
  correctionBody,
  credentials,
  disposeBody,
  eventSchema,
  itemCodeParam,
  itemDetailSchema,
  itemListQuery,
  itemSchema,
  lockerDepositBody,
  moveBody,
  reasonBody,
  returnBody,
  reviewDateBody,
} from './custody.schemas';
import { laggingReads, type AppDeps } from './deps';
import type { Api } from './route';
import { confirmSecondPerson } from './second-person';

/** A page of a search, whose total is counted only so far (a case's items are always counted). */
const searchPage = boundedPageOf(itemSchema);

const commandResult = z.object({
  item: itemSchema,
  event: z.object({ index: z.number().int(), type: z.string(), leafHash: z.string() }),
});

export function itemRoutes(api: Api, deps: AppDeps): void {
  const { orm, config, loginThrottle, placements } = deps;
  const attachmentsDir = `${config.dataDir}/attachments`;

  const confirm = async (req: Request, who: string, given: z.infer<typeof credentials> | undefined) =>
    given ? confirmSecondPerson(orm, req, who, given, loginThrottle) : undefined;

  const answer = (res: Response, item: ItemView, event: AppendedEvent, status = 200) =>
    res.status(status).json({
      item: presentItem(item),
      event: { index: event.index, type: event.envelope.type, leafHash: event.leafHash },
    });

  async function reply(res: Response, caller: Caller, event: AppendedEvent, status = 200) {
    answer(res, await findItemView(orm.em, caller, event.state.code), event, status);
  }

  const placed = (res: Response, { item, event }: Placed) => answer(res, item, event);

  api.add({
    method: 'get',
    path: '/items',
    summary: 'Search items (by case, state, category, location subtree, holding agency, text)',
    tag: 'items',
    access: 'authenticated',
    query: itemListQuery,
    responses: { 200: { description: 'a page of items', schema: searchPage } },
    handler: async ({ res, query, caller }) => {
      // From the replica, when there is one: a search may lag; an item just registered is read by its code.
      const { items, total, totalExact } = await searchItems(laggingReads(deps), caller, query);
      res.json({ items: items.map(presentItem), total, totalExact, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/items/{code}',
    summary: 'Read an item (its code may be typed with hyphens, in lower case, O for 0 and I or L for 1)',
    tag: 'items',
    access: 'authenticated',
    params: itemCodeParam,
    responses: { 200: { description: 'the item', schema: itemDetailSchema } },
    handler: async ({ res, params, caller }) => {
      const item = await findReadableItemView(orm.em, caller, params.code);
      res.json({ ...presentItem(item), photos: await itemPhotos(orm.em, item.id) });
    },
  });

  api.add({
    method: 'get',
    path: '/items/{code}/events',
    summary:
      "The item's history: every ledger event in order, with its canonical JSON and hashes; each read is recorded in its report-access log",
    tag: 'items',
    access: 'authenticated',
    params: itemCodeParam,
    query: pageQuery.extend({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
    responses: { 200: { description: 'a page of events', schema: pageOf(eventSchema) } },
    handler: async ({ res, params, query, caller }) => {
      const item = await findReadableItemView(orm.em, caller, params.code);
      // Reading the history is recorded as printing it is: in the item's report-access log, before it is sent.
      await recordReportAccess(orm.em, caller, { kind: 'events', format: 'json', itemId: item.id });
      const events = await itemEvents(orm.em, item.id, query.limit, query.offset);
      res.json({ items: events, total: item.lastSeq, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/check-in',
    summary: 'Check a received item in to a storage location',
    tag: 'custody',
    access: ['warehouse'],
    params: itemCodeParam,
    body: checkInBody,
    responses: { 200: { description: 'checked in', schema: commandResult } },
    handler: async ({ req, res, params, body, caller }) => {
      const witness = await confirm(req, 'witness', body.witness);
      placed(res, await placements.place(caller, checkInPlacement(caller, params.code, { ...body, witness })));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/move',
    summary: 'Move a stored item to another location',
    tag: 'custody',
    access: ['warehouse'],
    params: itemCodeParam,
    body: moveBody,
    responses: { 200: { description: 'moved', schema: commandResult } },
    handler: async ({ req, res, params, body, caller }) => {
      const witness = await confirm(req, 'witness', body.witness);
      placed(res, await placements.place(caller, movePlacement(caller, params.code, { ...body, witness })));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/check-out',
    summary: 'Lend a stored item out against an approved loan',
    tag: 'custody',
    access: ['warehouse'],
    params: itemCodeParam,
    body: checkOutBody,
    responses: { 200: { description: 'checked out', schema: commandResult } },
    handler: async ({ req, res, params, body, caller }) => {
      const witness = await confirm(req, 'witness', body.witness);
      await reply(res, caller, await checkOut(orm.em, caller, params.code, { ...body, witness }));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/return',
    summary: 'Take a lent item back: condition, seal, count and weight are compared and a mismatch raises an alert',
    tag: 'custody',
    access: ['warehouse'],
    params: itemCodeParam,
    body: returnBody,
    responses: {
      200: {
        description: 'returned, with any mismatches',
        schema: commandResult.extend({ mismatches: z.array(z.string()) }),
      },
    },
    handler: async ({ req, res, params, body, caller }) => {
      const witness = await confirm(req, 'witness', body.witness);
      const { event, mismatches } = await returnItem(orm.em, caller, params.code, { ...body, witness });
      const view = await findItemView(orm.em, caller, params.code);
      res.json({
        item: presentItem(view),
        event: { index: event.index, type: event.envelope.type, leafHash: event.leafHash },
        mismatches,
      });
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/dispose',
    summary: 'Dispose of an item against an approved disposal (refused under a legal hold)',
    tag: 'custody',
    access: ['warehouse'],
    params: itemCodeParam,
    body: disposeBody,
    responses: { 200: { description: 'disposed', schema: commandResult } },
    handler: async ({ req, res, params, body, caller }) => {
      const witness = await confirm(req, 'witness', body.witness);
      await reply(res, caller, await dispose(orm.em, caller, params.code, { ...body, witness }));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/locker-deposit',
    summary: 'Deposit a registered item into a smart-locker compartment',
    tag: 'custody',
    access: ['officer', 'clerk'],
    params: itemCodeParam,
    body: lockerDepositBody,
    responses: { 200: { description: 'deposited', schema: commandResult } },
    handler: async ({ res, params, body, caller }) => {
      await reply(res, caller, await lockerDeposit(orm.em, caller, params.code, body.compartmentCode));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/locker-retrieve',
    summary: 'Take a deposited item out of its locker compartment into the centre',
    tag: 'custody',
    access: ['warehouse'],
    params: itemCodeParam,
    responses: { 200: { description: 'retrieved', schema: commandResult } },
    handler: async ({ res, params, caller }) => {
      await reply(res, caller, await lockerRetrieve(orm.em, caller, params.code));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/hold',
    summary: 'Place a legal hold (blocks disposal)',
    tag: 'custody',
    access: ['approver', 'clerk'],
    params: itemCodeParam,
    body: reasonBody,
    responses: { 200: { description: 'held', schema: commandResult } },
    handler: async ({ res, params, body, caller }) => {
      await reply(res, caller, await placeHold(orm.em, caller, params.code, body.reason));
    },
  });

  api.add({
    method: 'delete',
    path: '/items/{code}/hold',
    summary: 'Release a legal hold',
    tag: 'custody',
    access: ['approver', 'clerk'],
    params: itemCodeParam,
    body: reasonBody,
    responses: { 200: { description: 'released', schema: commandResult } },
    handler: async ({ res, params, body, caller }) => {
      await reply(res, caller, await releaseHold(orm.em, caller, params.code, body.reason));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/corrections',
    summary:
      'Correct an earlier event: a new event that points at it (nothing is edited); a correction of a particular a rule reads is filed as a request for an approver (docs/corrections.md)',
    tag: 'custody',
    access: ['officer', 'clerk', 'warehouse', 'approver'],
    params: itemCodeParam,
    body: correctionBody,
    responses: {
      201: { description: 'corrected', schema: commandResult },
      202: {
        description: 'filed as a correction request, to be approved',
        schema: commandResult.extend({ requestId: z.uuid() }),
      },
    },
    handler: async ({ res, params, body, caller }) => {
      const { event, request } = await correct(orm.em, caller, params.code, body);
      if (!request) return reply(res, caller, event, 201);
      const view = await findItemView(orm.em, caller, params.code);
      res.status(202).location(`/api/v1/requests/${request.id}`);
      res.json({
        item: presentItem(view),
        event: { index: event.index, type: event.envelope.type, leafHash: event.leafHash },
        requestId: request.id,
      });
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/review-date',
    summary: "Change an item's disposal review date",
    tag: 'custody',
    access: ['approver'],
    params: itemCodeParam,
    body: reviewDateBody,
    responses: { 200: { description: 'changed', schema: commandResult } },
    handler: async ({ res, params, body, caller }) => {
      await reply(res, caller, await setReviewDate(orm.em, caller, params.code, body.reviewDate, body.reason));
    },
  });

  api.add({
    method: 'post',
    path: '/items/{code}/attachments',
    summary:
      'Attach a photograph (JPEG, PNG) or a document scan (PDF), sent as the raw body; its SHA-256 goes in the ledger',
    tag: 'custody',
    access: ['officer', 'clerk', 'warehouse', 'approver'],
    params: itemCodeParam,
    query: attachmentQuery,
    rawBody: { types: Object.keys(ATTACHMENT_TYPES), limit: `${MAX_ATTACHMENT_BYTES / 1024 / 1024}mb` },
    responses: {
      201: { description: 'attached', schema: commandResult.extend({ attachmentId: z.uuid(), sha256: z.string() }) },
    },
    handler: async ({ req, res, params, query, caller }) => {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new UnprocessableError('the attachment is empty');
      const { attachment, event } = await addAttachment(orm.em, caller, params.code, {
        dir: attachmentsDir,
        contentType: req.headers['content-type']!.split(';')[0]!.trim(),
        data: req.body,
        filename: query.filename,
      });
      const view = await findItemView(orm.em, caller, params.code);
      res.status(201).json({
        item: presentItem(view),
        event: { index: event.index, type: event.envelope.type, leafHash: event.leafHash },
        attachmentId: attachment.id,
        sha256: attachment.sha256.toString('hex'),
      });
    },
  });

  api.add({
    method: 'get',
    path: '/items/{code}/attachments/{id}',
    summary: 'Download an attachment; refused if the stored file no longer matches its SHA-256 in the ledger',
    tag: 'custody',
    access: 'authenticated',
    params: itemCodeParam.extend({ id: z.uuid() }),
    responses: { 200: { description: 'the file', contentType: 'application/octet-stream' } },
    handler: async ({ res, params, caller }) => {
      const item = await findReadableItemView(orm.em, caller, params.code);
      const attachment = await orm.em.findOne(Attachment, { id: params.id, itemId: item.id });
      if (!attachment) throw new NotFoundError(`attachment ${params.id} does not exist`);
      const data = await readAttachment(attachmentsDir, attachment);
      res.type(attachment.contentType).setHeader('X-Content-SHA256', attachment.sha256.toString('hex'));
      res.send(data);
    },
  });
}
