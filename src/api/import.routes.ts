import type { Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError, UnprocessableError } from '../errors';
import { importItems } from '../interconnect/import/import';
import { itemsOf, type RowProblem } from '../interconnect/import/rows';
import { readSheet, type SheetKind } from '../interconnect/import/sheet';
import { csvTemplate, xlsxTemplate } from '../interconnect/import/template';
import { LANGS } from '../reports/i18n';
import { uuidParam } from './common.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const KINDS: Record<string, SheetKind> = { 'text/csv': 'csv', [XLSX]: 'xlsx' };

const problemSchema = z.object({
  row: z.number().int().describe('as a spreadsheet numbers it: the header is row 1'),
  column: z.string().nullable().describe("the column's header as the file has it"),
  detail: z.string(),
});

const importQuery = z.object({
  dryRun: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false)
    .describe('true: check every row and import nothing'),
  timeZone: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai')
    .describe('the zone of times written without an offset (2026-11-02 09:30) and of spreadsheet dates'),
});

/** How often a streamed import tells its progress. */
const PROGRESS_EVERY_MS = 200;

/** Server-Sent Events when the client asks for them (the console and `npm run import` show a progress bar). */
function progressStream(res: Response, wanted: boolean) {
  if (!wanted) return null;
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  let sent = 0;
  return {
    send: (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    progress(phase: string, done: number, total: number) {
      if (done < total && Date.now() - sent < PROGRESS_EVERY_MS) return;
      sent = Date.now();
      this.send('progress', { phase, done, total });
    },
  };
}

const summary = (problems: RowProblem[]) =>
  `${problems.length} problem${problems.length === 1 ? '' : 's'}: ` +
  problems
    .slice(0, 3)
    .map((p) => `row ${p.row}${p.column ? `, ${p.column}` : ''}: ${p.detail}`)
    .join('; ') +
  (problems.length > 3 ? '; …' : '');

/** Items imported from a spreadsheet or a CSV file (src/interconnect/import/), and the template to fill in. */
export function importRoutes(api: Api, { orm }: AppDeps): void {
  api.add({
    method: 'post',
    path: '/cases/{id}/items/import',
    summary:
      'Register items from a CSV or XLSX file (the template’s columns, in Chinese or English): a dry run answers every problem by row and column and imports nothing; a real run imports every row or, at any problem, none. With Accept: text/event-stream, `progress` events ({phase, done, total}) come first, then `result` or `problem`',
    tag: 'cases',
    access: ['officer', 'clerk'],
    params: uuidParam,
    query: importQuery,
    rawBody: { types: Object.keys(KINDS), limit: '20mb' },
    responses: {
      200: {
        description: 'a dry run: the rows and their problems',
        schema: z.object({ dryRun: z.literal(true), rows: z.number().int(), problems: z.array(problemSchema) }),
      },
      201: {
        description: 'imported',
        schema: z.object({
          imported: z.number().int(),
          items: z.array(z.object({ code: z.string(), itemNo: z.number().int() })),
        }),
      },
    },
    handler: async ({ req, res, params, query, caller }) => {
      const [owned] = await orm.em.execute<{ id: string }[]>('select id from cases where id = ? and agency_id = ?', [
        params.id,
        caller.agencyId,
      ]);
      if (!owned) throw new NotFoundError(`case ${params.id} does not exist in ${caller.agencyCode}`);
      const kind = KINDS[String(req.headers['content-type']).split(';')[0]!.trim().toLowerCase()]!;
      const stream = progressStream(res, Boolean(req.headers.accept?.includes('text/event-stream')));
      try {
        stream?.progress('reading', 0, 1);
        const sheet = await readSheet(req.body as Buffer, kind);
        stream?.progress('checking', 0, sheet.rows.length);
        const { items, problems } = await itemsOf(orm.em, params.id, sheet, query.timeZone);
        stream?.progress('checking', sheet.rows.length, sheet.rows.length);
        if (query.dryRun) {
          const answer = { dryRun: true, rows: sheet.rows.length, problems };
          if (stream) stream.send('result', answer);
          else res.json(answer);
        } else {
          if (problems.length) throw new UnprocessableError(`nothing was imported: ${summary(problems)}`, { problems });
          const registered = await importItems(orm.em, caller, params.id, items, (done, total) =>
            stream?.progress('importing', done, total),
          );
          req.log.info({ caseId: params.id, imported: registered.length }, 'items imported');
          const answer = { imported: registered.length, items: registered };
          if (stream) stream.send('result', answer);
          else res.status(201).json(answer);
        }
      } catch (err) {
        // Once the stream has begun, a refusal can only be told as one of its events.
        if (!stream) throw err;
        const detail = err instanceof AppError ? err.message : null;
        if (!detail) req.log.error({ err }, 'the import failed');
        stream.send('problem', {
          detail: detail ?? 'the import could not run to its end; nothing was imported',
          ...(err instanceof AppError ? err.extensions : {}),
        });
      }
      if (stream) res.end();
    },
  });

  api.add({
    method: 'get',
    path: '/items/import-template.{format}',
    summary: "The import's template: its header row in the language asked, and (XLSX) the categories and notes",
    tag: 'cases',
    access: 'authenticated',
    params: z.object({ format: z.enum(['csv', 'xlsx']) }),
    query: z.object({ lang: z.enum(LANGS).default('zh') }),
    responses: {
      200: { description: 'the template', contentType: `text/csv or ${XLSX}` },
    },
    handler: async ({ res, params, query }) => {
      const csv = params.format === 'csv';
      res.setHeader('Content-Disposition', `attachment; filename="custody-items-${query.lang}.${params.format}"`);
      res.type(csv ? 'text/csv; charset=utf-8' : XLSX);
      res.send(csv ? csvTemplate(query.lang) : await xlsxTemplate(query.lang));
    },
  });
}
