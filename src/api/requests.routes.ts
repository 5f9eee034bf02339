import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { seesAllItems, type Caller } from '../custody/directory/caller';
import {
  acceptTransfer,
  approveRequest,
  cancelRequest,
  createRequest,
  findVisibleRequest,
  refuseTransfer,
  rejectRequest,
  requestIdsNaming,
  requestItemCodes,
  requestPeopleNames,
} from '../custody/items/requests';
import {
  CustodyRequest,
  DISPOSAL_METHODS,
  LOAN_PURPOSES,
  REQUEST_KINDS,
  REQUEST_STATUSES,
} from '../custody/items/request.entity';
import { pageOf, uuidParam } from './common.schemas';
import { decisionBody, itemCode, newRequestBody, requestListQuery, requiredNoteBody } from './custody.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const requestSchema = z.object({
  id: z.uuid(),
  kind: z.enum(REQUEST_KINDS),
  status: z.enum(REQUEST_STATUSES),
  agencyId: z.uuid().describe('the agency whose items it names, which decides it'),
  itemCodes: z.array(z.string()),
  requesterId: z.uuid(),
  requesterName: z.string().describe("the requester's display name"),
  reason: z.string(),
  createdAt: z.string(),
  decidedBy: z.uuid().nullable().describe('the approver who approved or rejected it'),
  decidedByName: z.string().nullable().describe("the display name of decidedBy's user"),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  borrower: z.string().nullable().describe("a loan's"),
  purpose: z.enum(LOAN_PURPOSES).nullable().describe("a loan's"),
  dueAt: z.string().nullable().describe("a loan's"),
  toAgencyId: z.uuid().nullable().describe("a transfer's: the receiving agency"),
  answeredBy: z.uuid().nullable().describe("a transfer's: who of the receiving agency accepted or refused it"),
  answeredByName: z.string().nullable().describe("the display name of answeredBy's user"),
  answeredAt: z.string().nullable(),
  answerNote: z
    .string()
    .nullable()
    .describe("a transfer's: the receiving agency's note on accepting it, or its reason for refusing it"),
  method: z.enum(DISPOSAL_METHODS).nullable().describe("a disposal's"),
  orderReference: z.string().nullable().describe("a disposal's: the order or judgment it carries out"),
  correctsIndex: z.number().int().nullable().describe("a correction's: the index of the event it corrects"),
  changes: z.record(z.string(), z.string().nullable()).nullable().describe("a correction's: the new values"),
});

// The scan station finds the approved loan to check an item out against from the item alone.
const listQuery = requestListQuery.extend({
  item: itemCode.optional().describe('only the requests that name this item'),
  side: z
    .enum(['deciding', 'receiving'])
    .optional()
    .describe(
      "deciding: only the requests of the caller's agency, which it decides; receiving: only the transfers offered to it",
    ),
});

/** The requests the caller may list, narrowed by the query's filters. */
async function listFilter(em: EntityManager, caller: Caller, query: z.infer<typeof listQuery>) {
  return {
    ...(query.item ? { id: { $in: await requestIdsNaming(em, query.item) } } : {}),
    ...(seesAllItems(caller)
      ? {}
      : { $or: [{ agencyId: caller.agencyId }, { toAgencyId: caller.agencyId }, { requesterId: caller.id }] }),
    ...(query.side === 'deciding' ? { agencyId: caller.agencyId } : {}),
    ...(query.side === 'receiving' ? { toAgencyId: caller.agencyId } : {}),
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.status ? { status: query.status } : {}),
  };
}

export function requestRoutes(api: Api, { orm }: AppDeps): void {
  const presentWith = async (
    r: CustodyRequest,
    names: Map<string, string>,
  ): Promise<z.infer<typeof requestSchema>> => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    agencyId: r.agencyId,
    requesterId: r.requesterId,
    // The request's columns reference users, so every id it holds has a name.
    requesterName: names.get(r.requesterId)!,
    reason: r.reason,
    decidedBy: r.decidedBy ?? null,
    decidedByName: r.decidedBy ? names.get(r.decidedBy)! : null,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    decisionNote: r.decisionNote ?? null,
    borrower: r.borrower ?? null,
    purpose: r.purpose ?? null,
    dueAt: r.dueAt?.toISOString() ?? null,
    toAgencyId: r.toAgencyId ?? null,
    answeredBy: r.answeredBy ?? null,
    answeredByName: r.answeredBy ? names.get(r.answeredBy)! : null,
    answeredAt: r.answeredAt?.toISOString() ?? null,
    answerNote: r.answerNote ?? null,
    method: r.method ?? null,
    orderReference: r.orderReference ?? null,
    correctsIndex: r.correctsIdx ?? null,
    changes: r.changes ?? null,
    createdAt: r.createdAt.toISOString(),
    itemCodes: await requestItemCodes(orm.em, r.id),
  });
  const presentPage = async (requests: CustodyRequest[]) => {
    const names = await requestPeopleNames(orm.em, requests);
    return Promise.all(requests.map((r) => presentWith(r, names)));
  };
  const present = async (r: CustodyRequest) => (await presentPage([r]))[0]!;

  api.add({
    method: 'post',
    path: '/requests',
    summary: "Request a loan, a transfer to another agency, or a disposal of the caller's agency's items",
    tag: 'requests',
    access: ['officer', 'clerk', 'approver'],
    body: newRequestBody,
    responses: { 201: { description: 'requested', schema: requestSchema } },
    handler: async ({ res, body, caller }) => {
      const request = await createRequest(orm.em, caller, body);
      res
        .status(201)
        .location(`/api/v1/requests/${request.id}`)
        .json(await present(request));
    },
  });

  api.add({
    method: 'get',
    path: '/requests',
    summary: "List requests of the caller's agency, addressed to it, or filed by the caller",
    tag: 'requests',
    access: 'authenticated',
    query: listQuery,
    responses: { 200: { description: 'a page of requests', schema: pageOf(requestSchema) } },
    handler: async ({ res, query, caller }) => {
      const [requests, total] = await orm.em.findAndCount(CustodyRequest, await listFilter(orm.em, caller, query), {
        orderBy: { createdAt: 'desc', id: 'asc' },
        limit: query.limit,
        offset: query.offset,
      });
      res.json({ items: await presentPage(requests), total, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/requests/{id}',
    summary: 'Read a request',
    tag: 'requests',
    access: 'authenticated',
    params: uuidParam,
    responses: { 200: { description: 'the request', schema: requestSchema } },
    handler: async ({ res, params, caller }) => {
      res.json(await present(await findVisibleRequest(orm.em, caller, params.id)));
    },
  });

  const decisions = [
    [
      'approve',
      'Approve a request (an approver of the agency, never the requester)',
      ['approver'],
      decisionBody,
      (id: string, note: string | undefined, c: Caller) => approveRequest(orm.em, c, id, note),
    ],
    [
      'reject',
      'Reject a request, with the reason',
      ['approver'],
      requiredNoteBody,
      (id: string, note: string | undefined, c: Caller) => rejectRequest(orm.em, c, id, note!),
    ],
    [
      'cancel',
      'Cancel a request that has not been carried out',
      ['officer', 'clerk', 'warehouse', 'approver'],
      requiredNoteBody,
      (id: string, note: string | undefined, c: Caller) => cancelRequest(orm.em, c, id, note!),
    ],
    [
      'accept',
      'Accept an offered transfer: the receiving agency takes legal custody',
      ['officer', 'clerk', 'approver'],
      decisionBody,
      (id: string, note: string | undefined, c: Caller) => acceptTransfer(orm.em, c, id, note),
    ],
    [
      'refuse',
      'Refuse an offered transfer, with the reason',
      ['officer', 'clerk', 'approver'],
      requiredNoteBody,
      (id: string, note: string | undefined, c: Caller) => refuseTransfer(orm.em, c, id, note!),
    ],
  ] as const;

  for (const [name, summary, roles, body, run] of decisions) {
    api.add({
      method: 'post',
      path: `/requests/{id}/${name}`,
      summary,
      tag: 'requests',
      access: roles,
      params: uuidParam,
      body,
      responses: { 200: { description: 'the request after the decision', schema: requestSchema } },
      handler: async ({ res, params, body: input, caller }) => {
        res.json(await present(await run(params.id, input.note, caller)));
      },
    });
  }
}
