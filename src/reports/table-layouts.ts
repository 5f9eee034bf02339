import type { Case } from '../custody/items/case.entity';
import { formatItemCode } from '../custody/items/item-code';
import type { ItemView } from '../custody/items/item-queries';
import type { Handover } from '../custody/items/records.entity';
import type { CustodyRequest } from '../custody/items/request.entity';
import type { Names } from './history-data';
import { categoryName, eventName, reportWord, type Lang } from './i18n';
import type { TableReport } from './table-report';

/**
 * The table reports of a case and of a batch: the case inventory, the hand-over receipt (交接单), the loan
 * slip and the disposal certificate. Each is plain data for renderTableReport (and the inventory for CSV
 * too); the frame (report id, who printed it, when) is the caller's.
 */
export type TableLayout = Omit<TableReport, 'reportId' | 'generatedAt' | 'generatedBy' | 'lang'>;

const columns = (keys: Parameters<typeof reportWord>[0][], shares: number[], lang: Lang) =>
  keys.map((key, i) => ({ title: reportWord(key, lang), share: shares[i]! }));

const quantity = (item: ItemView) => `${item.quantity} ${item.unit}`;

export interface InventoryItem {
  item: ItemView;
  /** The item's latest event, if any. */
  last: { type: string; recordedAt: string } | undefined;
}

/** The inventory's header and rows, as both the PDF and the CSV give them. */
export function inventoryRows(items: InventoryItem[], lang: Lang): { header: string[]; rows: string[][] } {
  const keys = ['itemNo', 'code', 'category', 'description', 'state', 'location', 'holder', 'lastEvent'] as const;
  return {
    header: keys.map((key) => reportWord(key, lang)),
    rows: items.map(({ item, last }) => [
      String(item.itemNo),
      formatItemCode(item.code),
      categoryName(item.category, lang),
      item.description,
      item.state,
      item.locationCode ?? '—',
      item.holderName ?? item.holderUsername ?? '—',
      last ? `${eventName(last.type, lang)} ${last.recordedAt.slice(0, 16).replace('T', ' ')}` : '—',
    ]),
  };
}

export function inventoryReport(found: Case, items: InventoryItem[], lang: Lang): TableLayout {
  const { header, rows } = inventoryRows(items, lang);
  return {
    title: `${reportWord('inventoryTitle', lang)} · ${found.caseNumber}`,
    subject: found.title,
    heading: [
      `${found.caseNumber} · ${found.title}`,
      `${reportWord('opened', lang)} ${found.openedOn} · ${reportWord('itemCount', lang, items.length)}`,
    ],
    columns: header.map((title, i) => ({ title, share: [0.05, 0.13, 0.1, 0.25, 0.09, 0.13, 0.11, 0.14][i]! })),
    rows,
  };
}

/** A signature given at the counter: the PNG as stored, and its SHA-256 as the hand-over events record it. */
export interface GivenSignature {
  image: Buffer;
  sha256: string;
}

export function handoverReceipt(
  record: Handover,
  items: ItemView[],
  names: Names,
  lang: Lang,
  signatures: { handedOverBy?: GivenSignature; receivedBy?: GivenSignature } = {},
): TableLayout {
  const signedAt = `${record.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const signatory = (key: 'handedOverBy' | 'receivedBy', userId: string) => {
    const given = signatures[key];
    return {
      label: reportWord(key, lang),
      name: names.user(userId),
      // Signed on the pad at the counter, so at the hand-over's time.
      ...(given && { image: given.image, fingerprint: `SHA-256 ${given.sha256}`, date: signedAt }),
    };
  };
  const note = record.note ? ` · ${record.note}` : '';
  return {
    title: reportWord('receiptTitle', lang),
    subject: record.id,
    heading: [
      `${reportWord('handedOverBy', lang)}: ${names.user(record.fromUserId)} → ${reportWord('receivedBy', lang)}: ${names.user(record.toUserId)}`,
      `${reportWord('handedOverAt', lang)}: ${record.createdAt.toISOString()} · ${reportWord('itemCount', lang, items.length)}${note}`,
    ],
    columns: columns(
      ['case', 'itemNo', 'code', 'category', 'description', 'quantity', 'seal'],
      [0.17, 0.05, 0.14, 0.1, 0.32, 0.1, 0.12],
      lang,
    ),
    rows: items.map((i) => [
      i.caseNumber,
      String(i.itemNo),
      formatItemCode(i.code),
      categoryName(i.category, lang),
      i.description,
      quantity(i),
      i.sealNumber ?? '—',
    ]),
    signatures: [signatory('handedOverBy', record.fromUserId), signatory('receivedBy', record.toUserId)],
  };
}

/** A loan slip, or a disposal certificate: the request, its people and its items, with room to sign. */
export function requestSlip(request: CustodyRequest, items: ItemView[], names: Names, lang: Lang): TableLayout {
  const w = (key: Parameters<typeof reportWord>[0]) => reportWord(key, lang);
  const people = `${w('requestedBy')}: ${names.user(request.requesterId)} · ${w('approvedBy')}: ${names.user(request.decidedBy)}`;
  const loan = request.kind === 'loan';
  const heading = loan
    ? [
        `${w('borrower')}: ${request.borrower} · ${w('purpose')}: ${request.purpose} · ${w('due')}: ${request.dueAt?.toISOString().slice(0, 10)}`,
        `${people} · ${w('reason')}: ${request.reason}`,
      ]
    : [
        `${w('method')}: ${request.method} · ${w('order')}: ${request.orderReference}`,
        `${people} · ${w('status')}: ${request.status}`,
      ];
  return {
    title: w(loan ? 'loanTitle' : 'disposalTitle'),
    subject: request.id,
    heading: [`${w('requestNo')} ${request.id}`, ...heading],
    columns: columns(
      ['case', 'itemNo', 'code', 'description', 'quantity', 'seal', 'state'],
      [0.17, 0.05, 0.14, 0.34, 0.1, 0.1, 0.1],
      lang,
    ),
    rows: items.map((i) => [
      i.caseNumber,
      String(i.itemNo),
      formatItemCode(i.code),
      i.description,
      quantity(i),
      i.sealNumber ?? '—',
      i.state,
    ]),
    signatures: loan
      ? [w('borrower'), w('executedBy'), w('approvedBy')]
      : [w('executedBy'), w('witness'), w('approvedBy')],
  };
}
