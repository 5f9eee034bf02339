import { z } from 'zod';
import { alertVisibility, canSeeAlert, itemVisibility } from '../custody/items/access';
import { resolveAlert } from '../custody/items/alerts';
import { hasRole } from '../custody/directory/caller';
import { itemViewsById } from '../custody/items/item-queries';
import { Alert } from '../custody/items/records.entity';
import { verifyLedger } from '../custody/ledger/verify/verify';
import { NotFoundError } from '../errors';
import { pageOf, pageQuery, uuidParam } from './common.schemas';
import { alertListQuery } from './custody.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const verifySchema = z.object({
  ok: z.boolean(),
  size: z.number().int(),
  root: z.string(),
  checkedAt: z.iso.datetime(),
  itemsChecked: z.number().int(),
  failure: z
    .object({ index: z.number().int().nullable(), itemId: z.string().nullable(), reason: z.string() })
    .nullable(),
});
const alertSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  itemCode: z.string().nullable(),
  message: z.string(),
  status: z.string(),
  createdAt: z.iso.datetime(),
});
const dueItemSchema = z.object({
  code: z.string(),
  description: z.string(),
  date: z.string(),
  holderName: z.string().nullable(),
});

export function ledgerRoutes(api: Api, { orm, ledger }: AppDeps): void {
  api.add({
    method: 'get',
    path: '/ledger/verify',
    summary: 'Recompute every hash, both chains and the Merkle root, and every items row; name the first mismatch',
    tag: 'ledger',
    access: ['inspector', 'admin'],
    responses: { 200: { description: 'the verification result (ok or the first failure)', schema: verifySchema } },
    handler: async ({ res }) => {
      res.json(await verifyLedger(orm.em, { logKey: ledger.signer }));
    },
  });

  api.add({
    method: 'get',
    path: '/alerts',
    summary: 'Alerts (return mismatches, overdue loans, reviews due), open by default',
    tag: 'alerts',
    access: ['warehouse', 'approver', 'inspector', 'admin'],
    query: alertListQuery,
    responses: { 200: { description: 'a page of alerts', schema: pageOf(alertSchema) } },
    handler: async ({ res, query, caller }) => {
      const visibility = alertVisibility(caller);
      const rows = await orm.em.execute<
        {
          id: string;
          kind: string;
          code: string | null;
          message: string;
          status: string;
          created_at: Date;
          total: string;
        }[]
      >(
        `select a.id, a.kind, i.code, a.message, a.status, a.created_at, count(*) over () as total
           from alerts a left join items i on i.id = a.item_id
          where a.status = ? and (?::text is null or a.kind = ?) and ${visibility.sql}
          order by a.created_at desc, a.id limit ? offset ?`,
        [query.status, query.kind ?? null, query.kind ?? null, ...visibility.params, query.limit, query.offset],
      );
      res.json({
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          itemCode: r.code,
          message: r.message,
          status: r.status,
          createdAt: new Date(r.created_at).toISOString(),
        })),
        total: Number(rows[0]?.total ?? 0),
        limit: query.limit,
        offset: query.offset,
      });
    },
  });

  api.add({
    method: 'post',
    path: '/alerts/{id}/resolve',
    summary: 'Mark an alert as dealt with',
    tag: 'alerts',
    access: ['warehouse', 'approver'],
    params: uuidParam,
    responses: { 200: { description: 'resolved', schema: alertSchema } },
    handler: async ({ res, params, caller }) => {
      const alert = await orm.em.findOne(Alert, { id: params.id });
      const [state] = alert?.itemId ? await itemViewsById(orm.em, [alert.itemId]) : [];
      // An alert about an item is the business of its owning agency and the centre; one about a place, the warehouse's.
      if (!alert || !canSeeAlert(caller, state) || (!state && !hasRole(caller, 'warehouse'))) {
        throw new NotFoundError(`alert ${params.id} does not exist`);
      }
      const resolved = await resolveAlert(orm.em, caller, params.id);
      res.json({
        id: resolved.id,
        kind: resolved.kind,
        itemCode: state?.code ?? null,
        message: resolved.message,
        status: resolved.status,
        createdAt: resolved.createdAt.toISOString(),
      });
    },
  });

  const dueList = (path: string, summary: string, condition: string, dateColumn: string) =>
    api.add({
      method: 'get',
      path,
      summary,
      tag: 'alerts',
      access: ['warehouse', 'approver', 'inspector', 'admin'],
      query: pageQuery,
      responses: { 200: { description: 'a page of items', schema: pageOf(dueItemSchema) } },
      handler: async ({ res, query, caller }) => {
        const visibility = itemVisibility(caller);
        const rows = await orm.em.execute<
          { code: string; description: string; due_on: string; holder_name: string | null; total: string }[]
        >(
          `select i.code, i.description, ${dateColumn} as due_on, i.holder_name, count(*) over () as total from items i
            where ${condition} and ${visibility.sql} order by ${dateColumn}, i.code limit ? offset ?`,
          [...visibility.params, query.limit, query.offset],
        );
        res.json({
          items: rows.map((r) => ({
            code: r.code,
            description: r.description,
            date: r.due_on,
            holderName: r.holder_name,
          })),
          total: Number(rows[0]?.total ?? 0),
          limit: query.limit,
          offset: query.offset,
        });
      },
    });
  dueList(
    '/loans/overdue',
    'Items on loan past their due date',
    `i.state = 'on_loan' and i.loan_due_at < now()`,
    `to_char(i.loan_due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  );
  dueList(
    '/reviews/due',
    'Items whose disposal review date has come',
    `i.state <> 'disposed' and i.review_date <= current_date`,
    `to_char(i.review_date, 'YYYY-MM-DD')`,
  );
}
