import { z } from 'zod';
import {
  closeAudit,
  findAudit,
  listAudits,
  recordAuditScan,
  registerFoundProperty,
  startAudit,
  type AuditResult,
} from '../custody/items/audits';
import { findItemView, presentItem } from '../custody/items/item-queries';
import { formatItemCode } from '../custody/items/item-code';
import { NotFoundError } from '../errors';
import { LANGS, reportWord } from '../reports/i18n';
import { recordReportAccess, reportFrame } from '../reports/report-access';
import { renderTableReport } from '../reports/table-report';
import { pageOf, pageQuery, uuidParam } from './common.schemas';
import { itemSchema, locationCode, newItemBody } from './custody.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const auditSchema = z.object({
  id: z.uuid(),
  locationCode: z.string().describe('the top of the subtree counted'),
  kind: z.enum(['full', 'sample']),
  status: z.enum(['open', 'closed']),
  expected: z.number().int(),
  scanned: z.number().int(),
  startedAt: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
  counts: z
    .object({
      found: z.number().int(),
      mislocated: z.number().int(),
      unknown: z.number().int(),
      notSeen: z.number().int().describe('expected items not seen yet; once closed, the missing'),
    })
    .describe('what the scans so far say, filled in as they come; final once closed'),
  result: z
    .object({
      found: z.array(z.string()),
      missing: z.array(z.string()),
      mislocated: z.array(z.object({ code: z.string(), recorded: z.string().nullable(), seen: z.string().nullable() })),
      unknown: z.array(z.string()),
    })
    .nullable()
    .describe('once closed: the codes in each class'),
});

export function auditRoutes(api: Api, { orm }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/audits',
    summary: 'Start an inventory of a location subtree, full or sampled (sample size from confidence and margin)',
    tag: 'audits',
    access: ['warehouse'],
    body: z.strictObject({
      locationCode,
      sample: z
        .strictObject({
          confidence: z.union([z.literal(0.9), z.literal(0.95), z.literal(0.99)]),
          margin: z.number().min(0.01).max(0.5),
        })
        .optional(),
    }),
    responses: { 201: { description: 'started', schema: auditSchema } },
    handler: async ({ res, body, caller }) => {
      const audit = await startAudit(orm.em, caller, body);
      res.status(201).location(`/api/v1/audits/${audit.id}`).json(audit);
    },
  });

  api.add({
    method: 'get',
    path: '/audits',
    summary: 'List inventories, newest first',
    tag: 'audits',
    access: ['warehouse', 'inspector', 'admin'],
    query: pageQuery,
    responses: { 200: { description: 'a page of inventories', schema: pageOf(auditSchema) } },
    handler: async ({ res, query }) => {
      const { audits, total } = await listAudits(orm.em, query);
      res.json({
        items: audits,
        total,
        limit: query.limit,
        offset: query.offset,
      });
    },
  });

  api.add({
    method: 'get',
    path: '/audits/{id}',
    summary: 'Read an inventory, with its result once closed',
    tag: 'audits',
    access: ['warehouse', 'inspector', 'admin'],
    params: uuidParam,
    responses: { 200: { description: 'the inventory', schema: auditSchema } },
    handler: async ({ res, params }) => {
      res.json(await findAudit(orm.em, params.id));
    },
  });

  api.add({
    method: 'post',
    path: '/audits/{id}/scans',
    summary: 'Record a code seen during the inventory, and where',
    tag: 'audits',
    access: ['warehouse'],
    params: uuidParam,
    body: z.strictObject({ code: z.string().min(1).max(64), locationCode: locationCode.optional() }),
    responses: { 200: { description: 'recorded', schema: z.object({ code: z.string(), known: z.boolean() }) } },
    handler: async ({ res, params, body, caller }) => {
      res.json(await recordAuditScan(orm.em, caller, params.id, body));
    },
  });

  api.add({
    method: 'post',
    path: '/audits/{id}/close',
    summary: 'Close the inventory: found, missing, mislocated and unknown; every item seen gets an audited event',
    tag: 'audits',
    access: ['warehouse'],
    params: uuidParam,
    responses: {
      200: {
        description: 'the result',
        schema: z.object({
          found: z.array(z.string()),
          missing: z.array(z.string()),
          mislocated: z.array(z.unknown()),
          unknown: z.array(z.string()),
        }),
      },
    },
    handler: async ({ res, params, caller }) => {
      res.json(await closeAudit(orm.em, caller, params.id));
    },
  });

  api.add({
    method: 'post',
    path: '/audits/{id}/found-property',
    summary: "Register an unknown code of a closed inventory as found property, in the centre's found-property case",
    tag: 'audits',
    access: ['warehouse'],
    params: uuidParam,
    body: z.strictObject({
      code: z.string().min(1).max(64),
      category: newItemBody.shape.category,
      description: newItemBody.shape.description,
      quantity: newItemBody.shape.quantity,
      unit: newItemBody.shape.unit,
    }),
    responses: { 201: { description: 'the new item', schema: itemSchema } },
    handler: async ({ res, params, body, caller }) => {
      const item = await registerFoundProperty(orm.em, caller, params.id, body);
      res.status(201).json(presentItem(await findItemView(orm.em, caller, item.code)));
    },
  });

  api.add({
    method: 'get',
    path: '/audits/{id}/report.pdf',
    summary: 'The audit report: found, missing, mislocated and unknown codes',
    tag: 'reports',
    access: ['warehouse', 'inspector', 'admin'],
    params: uuidParam,
    query: z.object({ lang: z.enum(LANGS).default('zh') }),
    responses: { 200: { description: 'the PDF', contentType: 'application/pdf' } },
    handler: async ({ res, params, query, caller }) => {
      const audit = await findAudit(orm.em, params.id);
      if (!audit.result) throw new NotFoundError(`inventory ${params.id} has no result: it is still open`);
      const reportId = await recordReportAccess(orm.em, caller, { kind: 'audit', format: 'pdf', subjectId: audit.id });
      const zh = query.lang === 'zh';
      const label = {
        found: zh ? '在位' : 'found',
        missing: zh ? '缺失' : 'missing',
        mislocated: zh ? '错位' : 'mislocated',
        unknown: zh ? '未知编码' : 'unknown',
      };
      const r = audit.result as AuditResult;
      const rows = [
        ...r.missing.map((code) => [label.missing, formatItemCode(code), '']),
        ...r.mislocated.map((m) => [
          label.mislocated,
          formatItemCode(m.code),
          `${m.recorded ?? '—'} → ${m.seen ?? '—'}`,
        ]),
        ...r.unknown.map((code) => [label.unknown, code, '']),
        ...r.found.map((code) => [label.found, formatItemCode(code), '']),
      ];
      res.type('application/pdf');
      renderTableReport({
        title: zh ? '盘点报告' : 'Inventory report',
        subject: audit.id,
        ...reportFrame(reportId, caller, query.lang),
        heading: [
          `${zh ? '盘点' : 'Inventory'} ${audit.id} · ${audit.kind} · ${audit.startedAt} → ${audit.closedAt}`,
          `${label.found} ${r.found.length} · ${label.missing} ${r.missing.length} · ${label.mislocated} ${r.mislocated.length} · ${label.unknown} ${r.unknown.length} · ${zh ? '应盘' : 'expected'} ${audit.expected}`,
        ],
        columns: [
          { title: zh ? '结果' : 'Result', share: 0.2 },
          { title: zh ? '编码' : 'Code', share: 0.3 },
          { title: reportWord('location', query.lang), share: 0.5 },
        ],
        rows,
        signatures: [zh ? '盘点人' : 'Counted by', zh ? '复核人' : 'Checked by'],
      }).pipe(res);
    },
  });
}
