import type { Response } from 'express';
import { z } from 'zod';
import { findVisibleCase } from '../custody/items/cases';
import type { Caller } from '../custody/directory/caller';
import { findItemView, searchItems } from '../custody/items/item-queries';
import { recordLabelPrints } from '../custody/items/label-prints';
import { Location } from '../custody/directory/location.entity';
import { findLocation } from '../custody/directory/locations';
import { UnprocessableError } from '../errors';
import { LANGS } from '../reports/i18n';
import { itemLabel, locationLabel } from '../reports/label-content';
import { LABEL_SIZES, renderLabels, type LabelContent, type LabelSize } from '../reports/labels';
import { barcodeImage } from '../reports/symbols';
import { renderZpl } from '../reports/zpl';
import { uuidParam } from './common.schemas';
import { itemCode, itemCodeParam, locationCodeParam } from './custody.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const printQuery = z.object({
  size: z.enum(LABEL_SIZES).default('100x50mm'),
  format: z.enum(['pdf', 'zpl']).default('pdf'),
  lang: z.enum(LANGS).default('zh'),
  copies: z.coerce.number().int().min(1).max(10).default(1),
  reason: z.string().trim().min(1).max(500).optional(),
});
type PrintQuery = z.infer<typeof printQuery>;

const codeList = z
  .string()
  .transform((value) => value.split(',').filter(Boolean))
  .pipe(z.array(itemCode).min(1, 'must list at least one code').max(1000, 'at most 1,000 codes at a time'));

/**
 * The most labels one request prints (copies included): a print is rendered while the request waits and is
 * recorded in every item's ledger, so a larger run goes in parts.
 */
export const MAX_LABELS_PER_REQUEST = 1000;

function assertLabelCount(labels: number, copies: number): void {
  if (labels * copies > MAX_LABELS_PER_REQUEST) {
    throw new UnprocessableError(
      `this would print ${labels * copies} labels (${labels} × ${copies} copies); at most ${MAX_LABELS_PER_REQUEST} are printed at a time: print them in parts`,
    );
  }
}

const LABEL_RESPONSES = {
  200: { description: 'a PDF of labels (or ZPL text with format=zpl)', contentType: 'application/pdf' },
};

function sendLabels(res: Response, labels: LabelContent[], query: PrintQuery, title: string): void {
  if (query.format === 'zpl') {
    if (query.size === 'a4') throw new UnprocessableError('ZPL is for thermal labels: choose size 100x50mm or 2x1in');
    res.type('text/plain; charset=utf-8').setHeader('Content-Disposition', `inline; filename="${title}.zpl"`);
    res.send(renderZpl(labels, query.size, query.copies));
    return;
  }
  const copies = labels.flatMap((label) => Array.from({ length: query.copies }, () => label));
  res.type('application/pdf').setHeader('Content-Disposition', `inline; filename="${title}.pdf"`);
  renderLabels(copies, query.size as LabelSize, title).pipe(res);
}

export function labelRoutes(api: Api, { orm }: AppDeps): void {
  /** Records the print in each item's ledger first, then renders the labels from the items as recorded. */
  async function printItems(res: Response, caller: Caller, codes: string[], query: PrintQuery, title: string) {
    assertLabelCount(new Set(codes).size, query.copies);
    const states = await recordLabelPrints(orm.em, caller, codes, {
      copies: query.copies,
      format: query.format,
      size: query.size,
      reason: query.reason,
    });
    const views = await Promise.all(states.map((s) => findItemView(orm.em, caller, s.code)));
    views.sort((a, b) => a.caseNumber.localeCompare(b.caseNumber) || a.itemNo - b.itemNo);
    sendLabels(
      res,
      views.map((v) => itemLabel(v, query.lang)),
      query,
      title,
    );
  }

  const PRINTERS = ['officer', 'clerk', 'warehouse'] as const;

  api.add({
    method: 'get',
    path: '/items/{code}/label.pdf',
    summary: "Print an item's label (recorded in its ledger; a reprint needs ?reason=)",
    tag: 'labels',
    access: PRINTERS,
    params: itemCodeParam,
    query: printQuery,
    responses: LABEL_RESPONSES,
    handler: async ({ res, params, query, caller }) =>
      printItems(res, caller, [params.code], query, `label-${params.code}`),
  });

  api.add({
    method: 'get',
    path: '/cases/{id}/labels.pdf',
    summary: 'Print the labels of every item of a case',
    tag: 'labels',
    access: PRINTERS,
    params: uuidParam,
    query: printQuery,
    responses: LABEL_RESPONSES,
    handler: async ({ res, params, query, caller }) => {
      const found = await findVisibleCase(orm.em, caller, params.id);
      const { items, total } = await searchItems(orm.em, caller, {
        caseId: found.id,
        sort: 'itemNo',
        order: 'asc',
        limit: MAX_LABELS_PER_REQUEST,
        offset: 0,
      });
      assertLabelCount(total, 1);
      const printable = items.filter((item) => item.state !== 'disposed');
      if (printable.length === 0) throw new UnprocessableError(`case ${found.caseNumber} has no item to label`);
      await printItems(
        res,
        caller,
        printable.map((i) => i.code),
        query,
        `labels-case-${found.id}`,
      );
    },
  });

  api.add({
    method: 'get',
    path: '/labels.pdf',
    summary: 'Print the labels of a list of items (?codes=A,B,C)',
    tag: 'labels',
    access: PRINTERS,
    query: printQuery.extend({ codes: codeList }),
    responses: LABEL_RESPONSES,
    handler: async ({ res, query, caller }) => printItems(res, caller, query.codes, query, 'labels'),
  });

  api.add({
    method: 'get',
    path: '/locations/{code}/labels.pdf',
    summary: 'Print the labels of a location and everything under it (shelves, bins, compartments)',
    tag: 'labels',
    access: ['warehouse', 'admin'],
    params: locationCodeParam,
    query: printQuery.omit({ reason: true }),
    responses: LABEL_RESPONSES,
    handler: async ({ res, params, query }) => {
      const top = await findLocation(orm.em, params.code);
      const under = { path: { $like: `${top.path}%` } };
      assertLabelCount(await orm.em.count(Location, under), query.copies);
      const locations = await orm.em.find(Location, under, { orderBy: { path: 'asc' } });
      sendLabels(
        res,
        locations.map((l) => locationLabel(l, query.lang)),
        query,
        `locations-${top.code}`,
      );
    },
  });

  api.add({
    method: 'get',
    path: '/items/{code}/barcode.{format}',
    summary: "The item's code as a single Code 128 or QR symbol, PNG or SVG, for other systems (not a label print)",
    tag: 'labels',
    access: 'authenticated',
    params: itemCodeParam.extend({ format: z.enum(['png', 'svg']) }),
    query: z.object({ symbology: z.enum(['code128', 'qrcode']).default('code128') }),
    responses: { 200: { description: 'the symbol', contentType: 'image/png' } },
    handler: async ({ res, params, query, caller }) => {
      const item = await findItemView(orm.em, caller, params.code);
      const image = await barcodeImage(query.symbology, item.code, params.format);
      res.type(params.format === 'svg' ? 'image/svg+xml' : 'image/png').send(image);
    },
  });
}
