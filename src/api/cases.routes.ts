import { z } from 'zod';
import { Case } from '../custody/items/case.entity';
import { createCase, findVisibleCase, listCases, registerItems } from '../custody/items/cases';
import { findItemView, presentItem } from '../custody/items/item-queries';
import { pageOf, uuidParam } from './common.schemas';
import { caseListQuery, itemSchema, newCaseBody, registerItemsBody } from './custody.schemas';
import { laggingReads, type AppDeps } from './deps';
import type { Api } from './route';

const caseSchema = z.object({
  id: z.uuid(),
  agencyId: z.uuid(),
  caseNumber: z.string(),
  title: z.string(),
  openedOn: z.string(),
  status: z.enum(['open', 'closed']),
  createdAt: z.iso.datetime(),
});

const presentCase = (c: Case) => ({
  id: c.id,
  agencyId: c.agencyId,
  caseNumber: c.caseNumber,
  title: c.title,
  openedOn: c.openedOn,
  status: c.status,
  createdAt: c.createdAt.toISOString(),
});

export function caseRoutes(api: Api, deps: AppDeps): void {
  const { orm } = deps;
  api.add({
    method: 'post',
    path: '/cases',
    summary: "Open a case in the caller's agency",
    tag: 'cases',
    access: ['officer', 'clerk'],
    body: newCaseBody,
    responses: { 201: { description: 'created', schema: caseSchema } },
    handler: async ({ res, body, caller }) => {
      const created = await createCase(orm.em, caller, body);
      res.status(201).location(`/api/v1/cases/${created.id}`).json(presentCase(created));
    },
  });

  api.add({
    method: 'get',
    path: '/cases',
    summary: "List the cases the caller may see (their agency's, and those with items transferred to it)",
    tag: 'cases',
    access: 'authenticated',
    query: caseListQuery,
    responses: { 200: { description: 'a page of cases', schema: pageOf(caseSchema) } },
    handler: async ({ res, query, caller }) => {
      // A search: from the replica, when there is one (a case just opened is read by its id, on the primary).
      const { cases, total } = await listCases(laggingReads(deps), caller, query);
      res.json({
        items: cases.map(presentCase),
        total,
        limit: query.limit,
        offset: query.offset,
      });
    },
  });

  api.add({
    method: 'get',
    path: '/cases/{id}',
    summary: 'Read a case',
    tag: 'cases',
    access: 'authenticated',
    params: uuidParam,
    responses: { 200: { description: 'the case', schema: caseSchema } },
    handler: async ({ res, params, caller }) => {
      res.json(presentCase(await findVisibleCase(orm.em, caller, params.id)));
    },
  });

  api.add({
    method: 'post',
    path: '/cases/{id}/items',
    summary: 'Register seized items in a case (one or many); each gets its code and its first ledger event',
    tag: 'cases',
    access: ['officer', 'clerk'],
    params: uuidParam,
    body: registerItemsBody,
    responses: { 201: { description: 'registered', schema: z.object({ items: z.array(itemSchema) }) } },
    handler: async ({ res, params, body, caller }) => {
      const events = await registerItems(orm.em, caller, params.id, body.items);
      const items = await Promise.all(events.map((e) => findItemView(orm.em, caller, e.state.code)));
      res.status(201).json({ items: items.map(presentItem) });
    },
  });
}
