import type { Envelope } from '../custody/ledger/events';
import { formatItemCode } from '../custody/items/item-code';
import { leafHash } from '../custody/ledger/merkle';
import { CONTENT_BOTTOM, CONTENT_TOP, CONTENT_WIDTH, createReport, line, PAGE, type Doc } from './document';
import { drawCode128, drawQr } from './draw-symbols';
import type { HistoryData, Names } from './history-data';
import { categoryName, eventName, reportWord, type Lang } from './i18n';

/**
 * The inspector's report: the item's particulars, photographs and label symbols; every event in order with
 * its time, actor, witness, states, place, holder, request, details and hashes; a closing page that says
 * whether the history verified against which signed checkpoint, with a QR code of that checkpoint and the
 * latest leaf, and the proof bundle attached as a file. Every event takes the same height, so the page count
 * is known before the first page streams out.
 */

const EVENT_LINES = 5;
const LINE = 10.5;
const EVENT_HEIGHT = EVENT_LINES * LINE + 8;
const EVENTS_PER_PAGE = Math.floor((CONTENT_BOTTOM - CONTENT_TOP - 18) / EVENT_HEIGHT);

export interface HistoryReport {
  data: HistoryData;
  lang: Lang;
  reportId: string;
  generatedAt: string;
  generatedBy: string;
}

export function historyPageCount(eventCount: number): number {
  return 1 + Math.max(1, Math.ceil(eventCount / EVENTS_PER_PAGE)) + 1;
}

// Payload fields that hold ids, shown by name.
const USER_FIELDS = new Set(['fromUserId', 'toUserId', 'witnessId', 'seizedBy']);
const AGENCY_FIELDS = new Set(['toAgencyId', 'fromAgencyId']);
const LOCATION_FIELDS = new Set(['fromLocationId']);
const SKIPPED = new Set(['code', 'caseId', 'itemNo', 'witnessId']);

function details(e: Envelope, names: Names): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(e.payload)) {
    if (value === null || SKIPPED.has(key) || (Array.isArray(value) && value.length === 0)) continue;
    let shown: string;
    if (USER_FIELDS.has(key)) shown = names.user(String(value));
    else if (AGENCY_FIELDS.has(key)) shown = names.agency(String(value));
    else if (LOCATION_FIELDS.has(key)) shown = names.location(String(value));
    else shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
    parts.push(`${key}: ${shown}`);
  }
  return parts.join(' · ') || '—';
}

function drawEvent(doc: Doc, report: HistoryReport, e: Envelope, index: number, leafHash: string, y: number): void {
  const { names, correctedBy } = report.data;
  const w = (k: Parameters<typeof reportWord>[0], n?: number) => reportWord(k, report.lang, n);
  const x = PAGE.margin;
  const corrected = correctedBy.get(index);
  const title = `#${e.itemSeq}  ${e.occurredAt.replace('T', ' ').replace('Z', ' UTC')}  ${eventName(e.type, report.lang)}  · idx ${index}${corrected ? `  [${w('correctedBy', corrected)}]` : ''}`;
  line(doc, title, x, y, CONTENT_WIDTH, 'bold', 9);
  const witness = typeof e.payload.witnessId === 'string' ? names.user(e.payload.witnessId) : w('none');
  line(
    doc,
    `${w('actor')}: ${names.user(e.actor)} · ${w('witness')}: ${witness}${e.device ? ` · device ${e.device}` : ''}`,
    x + 12,
    y + LINE,
    CONTENT_WIDTH - 12,
  );
  const holder = e.type === 'handover' ? names.user(String(e.payload.toUserId)) : '';
  line(
    doc,
    `${w('state')}: ${e.from ?? '—'} → ${e.to} · ${w('location')}: ${names.location(e.location)}${holder ? ` · ${w('holder')}: ${holder}` : ''}${e.requestId ? ` · ${w('request')}: ${e.requestId}` : ''}`,
    x + 12,
    y + 2 * LINE,
    CONTENT_WIDTH - 12,
  );
  line(doc, details(e, names), x + 12, y + 3 * LINE, CONTENT_WIDTH - 12, 'regular', 8);
  doc.font('regular').fontSize(7).fillColor('#444444');
  // The previous hash in full is the hash of the event above (and in the attached bundle): its start is enough here.
  // Set a little lower than the line grid: the CJK font's descent above would otherwise touch it.
  line(
    doc,
    `hash ${leafHash}  prev ${e.prevItemHash ? `${e.prevItemHash.slice(0, 16)}...` : '-'}`,
    x + 12,
    y + 4 * LINE + 2,
    CONTENT_WIDTH - 12,
    'mono',
    6.5,
  );
  doc.fillColor('black');
  doc
    .moveTo(x, y + EVENT_HEIGHT - 4)
    .lineTo(x + CONTENT_WIDTH, y + EVENT_HEIGHT - 4)
    .lineWidth(0.25)
    .strokeColor('#cccccc')
    .stroke()
    .strokeColor('black');
}

function drawParticulars(doc: Doc, report: HistoryReport): void {
  const { item, photos } = report.data;
  const lang = report.lang;
  const zh = lang === 'zh';
  let y = CONTENT_TOP + 4;
  line(doc, reportWord('particulars', lang), PAGE.margin, y, 300, 'bold', 11);
  const rows: [string, string][] = [
    [zh ? '财物编码' : 'Item code', formatItemCode(item.code)],
    [zh ? '案号' : 'Case', `${item.caseNumber} · ${zh ? `第${item.itemNo}件` : `item ${item.itemNo}`}`],
    [zh ? '类别' : 'Category', categoryName(item.category, lang)],
    [zh ? '名称及特征' : 'Description', item.description],
    [
      zh ? '数量' : 'Quantity',
      `${item.quantity} ${item.unit}${item.weightGrams ? ` · ${item.weightGrams} g` : ''}${item.amount ? ` · ${item.amount} ${item.currency ?? ''}` : ''}`,
    ],
    [zh ? '序列号 / 封签' : 'Serial / seal', `${item.serialNumber ?? '—'} / ${item.sealNumber ?? '—'}`],
    [zh ? '扣押时间、地点' : 'Seized', `${item.seizedAt} · ${item.seizedPlace ?? '—'} · ${item.seizedFrom ?? '—'}`],
    [zh ? '扣押人' : 'Seized by', report.data.names.user(item.seizedBy)],
    [zh ? '保管单位' : 'Legal custody', item.owningAgencyCode],
    [zh ? '当前状态' : 'State', `${item.state}${item.legalHold ? (zh ? ' · 冻结中' : ' · under legal hold') : ''}`],
    [
      zh ? '当前位置 / 持有人' : 'Location / holder',
      `${item.locationCode ?? '—'} / ${item.holderName ?? item.holderUsername ?? '—'}`,
    ],
    [zh ? '处置审查日期' : 'Review date', item.reviewDate],
  ];
  y += 18;
  for (const [label, value] of rows) {
    line(doc, label, PAGE.margin, y, 100, 'bold', 8.5);
    line(doc, value, PAGE.margin + 104, y, 250, 'regular', 8.5);
    y += 14;
  }
  // The code as printed on its label.
  const right = PAGE.margin + 370;
  drawCode128(doc, item.code, right, CONTENT_TOP + 22, 140, 40);
  line(doc, formatItemCode(item.code), right, CONTENT_TOP + 65, 140, 'bold', 10);
  drawQr(doc, item.code, right + 20, CONTENT_TOP + 82, 100);

  y += 14;
  line(doc, reportWord('photos', lang), PAGE.margin, y, 300, 'bold', 11);
  y += 18;
  if (photos.length === 0) line(doc, reportWord('none', lang), PAGE.margin, y, 200);
  photos.forEach((photo, i) => {
    const x = PAGE.margin + i * 128;
    if (photo.length === 0)
      line(doc, zh ? '照片文件与账本记录不符' : 'photo does not match its ledger hash', x, y, 120, 'bold', 8);
    else doc.image(photo, x, y, { fit: [120, 120] });
  });
}

function drawVerification(doc: Doc, report: HistoryReport): void {
  const { check, bundle } = report.data;
  const lang = report.lang;
  let y = CONTENT_TOP + 4;
  line(doc, reportWord('verification', lang), PAGE.margin, y, 300, 'bold', 12);
  y += 22;
  doc.fillColor(check.ok ? '#006400' : '#b00000');
  line(
    doc,
    check.ok ? reportWord('verified', lang) : `${reportWord('notVerified', lang)}: ${check.steps.at(-1)?.detail ?? ''}`,
    PAGE.margin,
    y,
    CONTENT_WIDTH,
    'bold',
    11,
  );
  doc.fillColor('black');
  y += 20;
  for (const step of check.steps) {
    line(doc, `${step.ok ? '✓' : '✗'} ${step.step}: ${step.detail}`, PAGE.margin, y, CONTENT_WIDTH, 'regular', 8.5);
    y += 13;
  }
  y += 8;
  const last = bundle.events.at(-1)!;
  const leaf = report.data.bundle.inclusion;
  line(doc, `${reportWord('checkpoint', lang)}:`, PAGE.margin, y, 200, 'bold', 9);
  y += 14;
  doc.font('regular').fontSize(8).text(bundle.checkpoint, PAGE.margin, y, { width: 300 });
  y = Math.max(y + 90, doc.y + 8);
  line(
    doc,
    `${lang === 'zh' ? '最新事件' : 'Latest event'}: idx ${last.index} · ${reportWord('hash', lang)} ${leafHash(last.canonical).toString('hex')}`,
    PAGE.margin,
    y,
    320,
    'regular',
    6.5,
  );
  line(
    doc,
    `${lang === 'zh' ? '包含证明' : 'Inclusion proof'}: ${leaf.hashes.length} hashes, tree ${leaf.treeSize}`,
    PAGE.margin,
    y + 12,
    CONTENT_WIDTH,
    'regular',
    8,
  );
  drawQr(doc, proofQrText(report), PAGE.margin + 330, CONTENT_TOP + 150, 180);
  line(
    doc,
    reportWord('attached', lang, `proof-${report.data.item.code}.json`),
    PAGE.margin,
    y + 34,
    CONTENT_WIDTH,
    'regular',
    8.5,
  );
}

/** What the closing page's QR code carries: the signed checkpoint and the item's latest leaf. */
export function proofQrText(report: HistoryReport): string {
  const { bundle } = report.data;
  const last = bundle.events.at(-1)!;
  return `custody-proof/v1\nitem ${bundle.itemCode}\nleaf ${last.index} ${leafHash(last.canonical).toString('base64')}\n${bundle.checkpoint}`;
}

export function renderHistory(report: HistoryReport): Doc {
  const { data, lang } = report;
  const totalPages = historyPageCount(data.eventCount);
  const { doc, newPage } = createReport({
    title: `${reportWord('historyTitle', lang)} · ${formatItemCode(data.item.code)}`,
    subject: `${data.item.caseNumber} · ${data.item.description}`,
    reportId: report.reportId,
    generatedAt: report.generatedAt,
    generatedBy: report.generatedBy,
    lang,
    totalPages,
  });
  doc.file(Buffer.from(JSON.stringify(data.bundle, null, 1)), {
    name: `proof-${data.item.code}.json`,
    type: 'application/json',
    description: 'Custody proof bundle: check with npm run verify',
  });
  newPage();
  drawParticulars(doc, report);

  newPage();
  line(doc, reportWord('events', lang), PAGE.margin, CONTENT_TOP + 2, 300, 'bold', 11);
  let slot = 0;
  for (const event of data.events()) {
    if (slot === EVENTS_PER_PAGE) {
      newPage();
      slot = 0;
    }
    drawEvent(doc, report, event.envelope, event.index, event.leafHash, CONTENT_TOP + 18 + slot * EVENT_HEIGHT);
    slot++;
  }
  newPage();
  drawVerification(doc, report);
  doc.end();
  return doc;
}
