import { z } from 'zod';
import { canSeeAlert } from '../custody/items/access';
import { listAlerts, resolveAlert } from '../custody/items/alerts';
import { hasRole } from '../custody/directory/caller';
import { dueItems, itemViewsById, type DueListKind } from '../custody/items/item-queries';
import { Alert } from '../custody/items/records.entity';
import { runVerification } from '../custody/ledger/verify/record';
import type { VerifyResult } from '../custody/ledger/verify/verify';
import { NotFoundError } from '../errors';
import { boundedPageOf, pageOf, pageQuery, uuidParam } from './common.schemas';
import { alertListQuery, requiredNoteBody } from './custody.schemas';
import { laggingReads, type AppDeps } from './deps';
import type { Api } from './route';

const verifySchema = z.object({
  ok: z.boolean(),
  size: z.number().int(),
  root: z.string(),
  checkedAt: z.iso.datetime(),
  itemsChecked: z.number().int(),
  since: z
    .number()
    .int()
    .nullable()
    .describe('the signed checkpoint (its size) an incremental verification started from; null for a full one'),
  eventsChecked: z.number().int().describe('events read and checked: all of them, or those after `since`'),
  notCovered: z.string().nullable().describe('what an incremental verification did not read again'),
  checkpoint: z
    .number()
    .int()
    .nullable()
    .describe('the last signed checkpoint the events matched: where `since=last` starts next time'),
  failure: z
    .object({
      index: z.number().int().nullable(),
      itemId: z.string().nullable(),
      itemCode: z.string().nullable().describe('the code of the item whose event or row does not match'),
      reason: z.string(),
    })
    .nullable(),
});
const alertSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  itemCode: z.string().nullable(),
  message: z.string(),
  status: z.string(),
  createdAt: z.iso.datetime(),
  resolvedAt: z.iso.datetime().nullable(),
  resolvedByName: z.string().nullable().describe('who dealt with it'),
  resolutionNote: z.string().nullable().describe('what they said they did'),
});
const dueItemSchema = z.object({
  code: z.string(),
  description: z.string(),
  date: z.string(),
  holderName: z.string().nullable(),
});

const PROGRESS_EVERY_MS = 200;

const verifyQuery = z.object({
  since: z
    .enum(['last'])
    .optional()
    .describe(
      '`last`: only what was appended after the checkpoint the last passing verification ended at (in full when none did)',
    ),
});

export function ledgerRoutes(api: Api, deps: AppDeps): void {
  const { orm, ledger } = deps;
  // A verification reads the whole ledger (or all that is new) from the replica; its record goes to the primary.
  const replica = () => laggingReads(deps);
  /** The result, with the code of the item it names: the code is what people read and search. */
  const present = async (result: VerifyResult) => {
    if (!result.failure?.itemId) return { ...result, failure: result.failure && { ...result.failure, itemCode: null } };
    const [item] = await itemViewsById(orm.em, [result.failure.itemId]);
    return { ...result, failure: { ...result.failure, itemCode: item?.code ?? null } };
  };

  api.add({
    method: 'get',
    path: '/ledger/verify',
    summary: 'Recompute every hash, both chains and the Merkle root, and every items row; name the first mismatch',
    tag: 'ledger',
    access: ['inspector', 'admin'],
    query: verifyQuery,
    responses: { 200: { description: 'the verification result (ok or the first failure)', schema: verifySchema } },
    handler: async ({ res, query, caller }) => {
      const run = {
        from: query.since ?? 'all',
        trigger: 'request',
        requestedBy: caller.id,
        logKey: ledger.signer,
      } as const;
      res.json(await present(await runVerification(orm.em, run, replica())));
    },
  });

  api.add({
    method: 'get',
    path: '/ledger/verify/stream',
    summary:
      'The same verification as Server-Sent Events: `progress` ({checked, total}) as it goes, then `result` (as /ledger/verify answers) or `failed` ({detail})',
    tag: 'ledger',
    access: ['inspector', 'admin'],
    query: verifyQuery,
    responses: { 200: { description: 'an event stream', contentType: 'text/event-stream' } },
    handler: async ({ req, res, query, caller }) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let sent = 0;
      try {
        const result = await runVerification(
          orm.em,
          {
            from: query.since ?? 'all',
            trigger: 'request',
            requestedBy: caller.id,
            logKey: ledger.signer,
            // A browser needs a few updates a second, not one per chunk.
            onProgress: (checked, total) => {
              if (Date.now() - sent < PROGRESS_EVERY_MS) return;
              sent = Date.now();
              send('progress', { checked, total });
            },
          },
          replica(),
        );
        send('result', await present(result));
      } catch (err) {
        // The answer has begun: a failure can only be told as an event of the stream.
        req.log.error({ err }, 'ledger verification failed to run');
        send('failed', { detail: 'the verification could not run to its end; try again' });
      }
      res.end();
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
      const { alerts, total } = await listAlerts(orm.em, caller, query);
      res.json({
        items: alerts,
        total,
        limit: query.limit,
        offset: query.offset,
      });
    },
  });

  api.add({
    method: 'post',
    path: '/alerts/{id}/resolve',
    summary: 'Mark an alert as dealt with, saying what was done (kept with the alert)',
    tag: 'alerts',
    access: ['warehouse', 'approver'],
    params: uuidParam,
    body: requiredNoteBody,
    responses: { 200: { description: 'resolved', schema: alertSchema } },
    handler: async ({ res, params, body, caller }) => {
      const alert = await orm.em.findOne(Alert, { id: params.id });
      const [state] = alert?.itemId ? await itemViewsById(orm.em, [alert.itemId]) : [];
      // An alert about an item is the business of its owning agency and the centre; one about a place, the warehouse's.
      if (!alert || !canSeeAlert(caller, state) || (!state && !hasRole(caller, 'warehouse'))) {
        throw new NotFoundError(`alert ${params.id} does not exist`);
      }
      const resolved = await resolveAlert(orm.em, caller, params.id, body.note);
      res.json({
        id: resolved.id,
        kind: resolved.kind,
        itemCode: state?.code ?? null,
        message: resolved.message,
        status: resolved.status,
        createdAt: resolved.createdAt.toISOString(),
        resolvedAt: resolved.resolvedAt?.toISOString() ?? null,
        resolvedByName: caller.displayName,
        resolutionNote: resolved.resolutionNote ?? null,
      });
    },
  });

  const dueList = (path: string, summary: string, kind: DueListKind) =>
    api.add({
      method: 'get',
      path,
      summary,
      tag: 'alerts',
      access: ['warehouse', 'approver', 'inspector', 'admin'],
      query: pageQuery,
      responses: { 200: { description: 'a page of items', schema: boundedPageOf(dueItemSchema) } },
      handler: async ({ res, query, caller }) => {
        const { items, total, totalExact } = await dueItems(orm.em, caller, kind, query);
        res.json({ items, total, totalExact, limit: query.limit, offset: query.offset });
      },
    });
  dueList('/loans/overdue', 'Items on loan past their due date', 'loans_overdue');
  dueList('/reviews/due', 'Items whose disposal review date has come', 'reviews_due');
}
