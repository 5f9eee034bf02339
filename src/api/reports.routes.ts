import { z } from 'zod';
import { findVisibleCase } from '../custody/items/cases';
import {
  findItemView,
  findReadableItemView,
  itemEvents,
  itemViewsById,
  presentItem,
  searchItems,
} from '../custody/items/item-queries';
import { canSeeItem } from '../custody/items/access';
import { historyReader } from '../custody/ledger/history-reader';
import { handoverSignatures, readSignature, type Signer } from '../custody/items/handover-signatures';
import { Handover } from '../custody/items/records.entity';
import { findVisibleRequest } from '../custody/items/requests';
import { RequestItem } from '../custody/items/request.entity';
import { NotFoundError, UnprocessableError } from '../errors';
import { loadHistory, loadNames } from '../reports/history-data';
import { renderHistory } from '../reports/history';
import { LANGS } from '../reports/i18n';
import { handoverReceipt, inventoryReport, inventoryRows, requestSlip } from '../reports/table-layouts';
import { caseDossier, MAX_DOSSIER_ITEMS, writeDossier } from '../reports/dossier';
import {
  itemReportAccess,
  recordDossierItems,
  recordReportAccess,
  reportFrame as frame,
} from '../reports/report-access';
import { csv, renderTableReport } from '../reports/table-report';
import { uuidParam } from './common.schemas';
import { itemCodeParam } from './custody.schemas';
import { laggingReads, type AppDeps } from './deps';
import type { Api } from './route';

const langQuery = z.object({ lang: z.enum(LANGS).default('zh') });
const pdf = { 200: { description: 'the PDF', contentType: 'application/pdf' } };

const accessSchema = z.object({
  reportId: z.uuid(),
  kind: z.string().describe('history, events, proof, inventory, dossier, receipt, slip…'),
  format: z.string(),
  at: z.iso.datetime(),
  username: z.string(),
  displayName: z.string(),
});

export function reportRoutes(api: Api, deps: AppDeps): void {
  const { orm, config, ledger } = deps;
  const attachmentsDir = `${config.dataDir}/attachments`;
  // Reports of many rows read from the replica; the item or case is found, and the access recorded, on the
  // primary (a receipt or a slip, printed just after its hand-over or request, reads the primary throughout).
  const replica = () => laggingReads(deps);

  api.add({
    method: 'get',
    path: '/items/{code}/history.{format}',
    summary:
      "An item's full custody history: PDF (the inspector's report, with its proof bundle attached), CSV or JSON",
    tag: 'reports',
    access: 'authenticated',
    params: itemCodeParam.extend({ format: z.enum(['pdf', 'csv', 'json']) }),
    query: langQuery,
    responses: pdf,
    handler: async ({ res, params, query, caller }) => {
      const item = await findReadableItemView(orm.em, caller, params.code);
      const reportId = await recordReportAccess(orm.em, caller, {
        kind: 'history',
        format: params.format,
        itemId: item.id,
      });
      const data = await loadHistory(await historyReader(orm.em, replica(), item), item, ledger, attachmentsDir);
      const filename = `history-${item.code}.${params.format}`;
      res.setHeader('Content-Disposition', `inline; filename="${filename}"`);
      res.setHeader('X-Report-Id', reportId);
      if (params.format === 'pdf') {
        res.type('application/pdf');
        renderHistory({ data, ...frame(reportId, caller, query.lang) }).pipe(res);
        return;
      }
      const events = [...data.events()];
      if (params.format === 'json') {
        res.json({ reportId, item: presentItem(item), verification: data.check, events, bundle: data.bundle });
        return;
      }
      const header = [
        'itemSeq',
        'index',
        'occurredAt',
        'recordedAt',
        'type',
        'actor',
        'agency',
        'from',
        'to',
        'location',
        'requestId',
        'payload',
        'leafHash',
        'prevItemHash',
      ];
      const rows = events.map(({ envelope: e, index, leafHash }) => [
        e.itemSeq,
        index,
        e.occurredAt,
        e.recordedAt,
        e.type,
        data.names.user(e.actor),
        data.names.agency(e.agency),
        e.from,
        e.to,
        data.names.location(e.location),
        e.requestId,
        JSON.stringify(e.payload),
        leafHash,
        e.prevItemHash,
      ]);
      res.type('text/csv; charset=utf-8').send(csv([header, ...rows]));
    },
  });

  api.add({
    method: 'get',
    path: '/items/{code}/report-access',
    summary:
      "Who printed or exported this item's reports, or read its history or proof bundle through the API, and when",
    tag: 'reports',
    access: ['inspector', 'admin', 'approver'],
    params: itemCodeParam,
    responses: {
      200: { description: 'the accesses, oldest first', schema: z.object({ items: z.array(accessSchema) }) },
    },
    handler: async ({ res, params, caller }) => {
      const item = await findItemView(orm.em, caller, params.code);
      res.json({ items: await itemReportAccess(orm.em, item.id) });
    },
  });

  api.add({
    method: 'get',
    path: '/cases/{id}/inventory.{format}',
    summary: 'Every item of a case with its state, location, holder and last event: PDF or CSV',
    tag: 'reports',
    access: 'authenticated',
    params: uuidParam.extend({ format: z.enum(['pdf', 'csv']) }),
    query: langQuery,
    responses: pdf,
    handler: async ({ res, params, query, caller }) => {
      const found = await findVisibleCase(orm.em, caller, params.id);
      const reportId = await recordReportAccess(orm.em, caller, {
        kind: 'inventory',
        format: params.format,
        caseId: found.id,
      });
      const { items } = await searchItems(replica(), caller, {
        caseId: found.id,
        sort: 'itemNo',
        order: 'asc',
        limit: 10_000,
        offset: 0,
      });
      const lastEvents = await Promise.all(items.map((i) => itemEvents(replica(), i.id, 1, i.lastSeq - 1)));
      const inventory = items.map((item, n) => {
        const last = lastEvents[n]![0];
        return { item, last: last && { type: last.type, recordedAt: last.envelope.recordedAt } };
      });
      res.setHeader('X-Report-Id', reportId);
      if (params.format === 'csv') {
        const { header, rows } = inventoryRows(inventory, query.lang);
        res.type('text/csv; charset=utf-8').send(csv([header, ...rows]));
        return;
      }
      res.type('application/pdf');
      renderTableReport({
        ...inventoryReport(found, inventory, query.lang),
        ...frame(reportId, caller, query.lang),
      }).pipe(res);
    },
  });

  api.add({
    method: 'get',
    path: '/cases/{id}/dossier.zip',
    summary:
      "A case's dossier (卷宗): for every item of it the caller may see, its history PDF, proof bundle and events (JSON Lines), with the log's key and latest checkpoint; `npm run verify -- dossier.zip` checks it offline",
    tag: 'reports',
    access: 'authenticated',
    params: uuidParam,
    query: langQuery,
    responses: {
      200: { description: 'the dossier', contentType: 'application/zip' },
      422: { description: 'the case holds no item the caller may see, or more than a dossier holds' },
    },
    handler: async ({ res, params, query, caller }) => {
      const found = await findVisibleCase(orm.em, caller, params.id);
      // Read on the primary: each item's history is then read where it is at least as new (historyReader).
      const { items } = await searchItems(orm.em, caller, {
        caseId: found.id,
        sort: 'itemNo',
        order: 'asc',
        limit: MAX_DOSSIER_ITEMS + 1,
        offset: 0,
      });
      if (items.length === 0) throw new UnprocessableError('the case holds no item you may see: no dossier to make');
      if (items.length > MAX_DOSSIER_ITEMS)
        throw new UnprocessableError(`a dossier holds at most ${MAX_DOSSIER_ITEMS} items: this case has more`);
      const reportId = await recordReportAccess(orm.em, caller, { kind: 'dossier', format: 'zip', caseId: found.id });
      await recordDossierItems(orm.em, caller, { reportId, caseId: found.id, itemIds: items.map((i) => i.id) });
      const source = await caseDossier({
        primary: orm.em,
        replica: replica(),
        ledger,
        attachmentsDir,
        frame: frame(reportId, caller, query.lang),
        case: found,
        items,
      });
      res.setHeader('Content-Disposition', `attachment; filename="dossier-${found.id}.zip"`);
      res.setHeader('X-Report-Id', reportId);
      res.type('application/zip');
      await writeDossier(source, res);
    },
  });

  api.add({
    method: 'get',
    path: '/handovers/{id}/receipt.pdf',
    summary:
      'The hand-over receipt (交接单) of one batch, with both signatures as given at the counter, or room for them',
    tag: 'reports',
    access: 'authenticated',
    params: uuidParam,
    query: langQuery,
    responses: pdf,
    handler: async ({ res, params, query, caller }) => {
      const record = await orm.em.findOne(Handover, { id: params.id });
      if (!record) throw new NotFoundError(`hand-over ${params.id} does not exist`);
      // The receipt is visible to whoever may see one of its items; it lists the whole batch.
      const visible = await itemViewsById(orm.em, record.itemIds);
      if (!visible.some((item) => canSeeItem(caller, item)))
        throw new NotFoundError(`hand-over ${params.id} does not exist`);
      const reportId = await recordReportAccess(orm.em, caller, {
        kind: 'receipt',
        format: 'pdf',
        subjectId: record.id,
      });
      const names = await loadNames(orm.em);
      const signatures: Parameters<typeof handoverReceipt>[4] = {};
      for (const [signer, given] of Object.entries(await handoverSignatures(orm.em, record)))
        signatures[signer as Signer] = {
          image: await readSignature(orm.em, attachmentsDir, given),
          sha256: given.sha256,
        };
      res.type('application/pdf');
      renderTableReport({
        ...handoverReceipt(record, visible, names, query.lang, signatures),
        ...frame(reportId, caller, query.lang),
      }).pipe(res);
    },
  });

  api.add({
    method: 'get',
    path: '/requests/{id}/slip.pdf',
    summary: 'A loan slip (for a loan) or a disposal certificate (for a disposal), with its items and signatures',
    tag: 'reports',
    access: 'authenticated',
    params: uuidParam,
    query: langQuery,
    responses: pdf,
    handler: async ({ res, params, query, caller }) => {
      const request = await findVisibleRequest(orm.em, caller, params.id);
      if (request.kind === 'transfer')
        throw new UnprocessableError('a transfer has no slip: its record is the items’ history');
      const reportId = await recordReportAccess(orm.em, caller, { kind: 'slip', format: 'pdf', subjectId: request.id });
      const names = await loadNames(orm.em);
      const lines = await orm.em.find(RequestItem, { requestId: request.id });
      const items = await itemViewsById(
        orm.em,
        lines.map((l) => l.itemId),
      );
      res.type('application/pdf');
      renderTableReport({
        ...requestSlip(request, items, names, query.lang),
        ...frame(reportId, caller, query.lang),
      }).pipe(res);
    },
  });
}
