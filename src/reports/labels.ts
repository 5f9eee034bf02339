import PDFDocument from 'pdfkit';
import { visibleText } from '../custody/unsafe-text';
import { fontData } from './fonts';
import { drawCode128, drawQr } from './draw-symbols';

/** What one label shows: the code that both symbols carry, the code as people read it, and text lines. */
export interface LabelContent {
  code: string;
  displayCode: string;
  lines: string[];
}

export const LABEL_SIZES = ['100x50mm', '2x1in', 'a4'] as const;
export type LabelSize = (typeof LABEL_SIZES)[number];

const MM = 72 / 25.4;
/** Thermal sizes print one label per page; A4 is a 3 × 8 grid of 70 × 37.1 mm labels. */
const GEOMETRY: Record<LabelSize, { page: [number, number]; label: [number, number]; columns: number; rows: number }> =
  {
    '100x50mm': { page: [100 * MM, 50 * MM], label: [100 * MM, 50 * MM], columns: 1, rows: 1 },
    '2x1in': { page: [144, 72], label: [144, 72], columns: 1, rows: 1 },
    a4: { page: [210 * MM, 297 * MM], label: [70 * MM, (297 / 8) * MM], columns: 3, rows: 8 },
  };

type Doc = PDFKit.PDFDocument;

/** The longest beginning of `text` that fits `width`, with an ellipsis when shortened: text never overflows. */
export function fitText(doc: Doc, text: string, width: number): string {
  // No glyph is narrower than a fifth of the font size, so characters beyond this bound can never fit;
  // cutting them first keeps the (costly) measuring of long strings short.
  const fontSize = (doc as unknown as { _fontSize: number })._fontSize;
  // No glyph of the fonts used (Noto Sans SC, Helvetica, Courier) is wider than 1 em: a short text fits
  // without measuring it.
  if (text.length * fontSize <= width) return text;
  const bound = Math.ceil(width / (fontSize * 0.2)) + 1;
  const candidate = text.length > bound ? text.slice(0, bound) : text;
  if (candidate === text && doc.widthOfString(text) <= width) return text;
  const chars = [...candidate];
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (doc.widthOfString(chars.slice(0, mid).join('') + '…') <= width) low = mid;
    else high = mid - 1;
  }
  return chars.slice(0, low).join('') + '…';
}

function drawLabel(doc: Doc, label: LabelContent, x: number, y: number, w: number, h: number): void {
  const margin = h * 0.06;
  const barHeight = h * 0.27;
  drawCode128(doc, label.code, x + margin, y + margin, w - 2 * margin, barHeight);

  const codeSize = h * 0.09;
  doc.font('bold').fontSize(codeSize);
  const codeTop = y + margin + barHeight + h * 0.01;
  doc.text(visibleText(label.displayCode), x + margin, codeTop, {
    width: w - 2 * margin,
    align: 'center',
    lineBreak: false,
  });

  const top = codeTop + codeSize * 1.35;
  const bottom = y + h - margin;
  const qrSize = Math.min(bottom - top, w * 0.3);
  drawQr(doc, label.code, x + w - margin - qrSize, top, qrSize);

  const textWidth = w - 3 * margin - qrSize;
  const lineHeight = (bottom - top) / Math.max(label.lines.length, 1);
  doc.font('regular').fontSize(Math.min(lineHeight * 0.78, h * 0.075));
  label.lines.forEach((line, i) => {
    doc.text(fitText(doc, visibleText(line), textWidth), x + margin, top + i * lineHeight, { lineBreak: false });
  });
}

/**
 * Renders labels into a PDF stream (vector bars and modules, embedded CJK font). The caller pipes it out;
 * nothing is held beyond the page being drawn.
 */
export function renderLabels(labels: LabelContent[], size: LabelSize, title: string): PDFKit.PDFDocument {
  const geometry = GEOMETRY[size];
  const doc = new PDFDocument({
    size: geometry.page,
    margin: 0,
    autoFirstPage: false,
    info: { Title: title, Creator: 'Custody' },
  });
  doc.registerFont('regular', fontData('regular'));
  doc.registerFont('bold', fontData('bold'));
  const perPage = geometry.columns * geometry.rows;
  const [labelWidth, labelHeight] = geometry.label;
  labels.forEach((label, i) => {
    const slot = i % perPage;
    if (slot === 0) doc.addPage();
    const column = slot % geometry.columns;
    const row = Math.floor(slot / geometry.columns);
    drawLabel(doc, label, column * labelWidth, row * labelHeight, labelWidth, labelHeight);
  });
  if (labels.length === 0) doc.addPage();
  doc.end();
  return doc;
}
