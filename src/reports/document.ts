import PDFDocument from 'pdfkit';
import { fontData } from './fonts';
import { visibleText } from '../custody/unsafe-text';
import { fitText } from './labels';
import { reportWord, type Lang } from './i18n';

/** A4 report pages: the shared frame (fonts, header, footer with page x of y) of every printed report. */
export const PAGE = { width: 595.28, height: 841.89, margin: 42 } as const;
export const CONTENT_TOP = PAGE.margin + 30;
export const CONTENT_BOTTOM = PAGE.height - PAGE.margin - 24;
export const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;

export interface ReportFrame {
  title: string;
  subject: string;
  reportId: string;
  generatedAt: string;
  generatedBy: string;
  lang: Lang;
  /** Known in advance, so that every page can say "page x of y" while the document streams out. */
  totalPages: number;
}

function footer(frame: ReportFrame, page: number): string {
  const w = (key: Parameters<typeof reportWord>[0], n?: number | string) => reportWord(key, frame.lang, n);
  return `${w('report')} ${frame.reportId} · ${w('generated')} ${frame.generatedAt} · ${w('by')} ${frame.generatedBy} · ${w('page', page)} ${w('of', frame.totalPages)}`;
}

export type Doc = PDFKit.PDFDocument;

interface Glyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}
interface Position {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
}
/** pdfkit's embedded font (pdfkit 0.20): its fontkit font, its scale, and the step that lays out a run of text. */
interface EmbeddedFont {
  font: { glyphForCodePoint(codePoint: number): Glyph };
  scale: number;
  layoutRun(text: string, features?: unknown): { glyphs: Glyph[]; positions: Position[]; advanceWidth: number };
}

/**
 * Lays out the CJK font one character at a time (glyph and advance looked up once per code point) instead of
 * through fontkit's OpenType shaping. Han characters, Latin letters, digits and punctuation, which is all a
 * report prints, need no shaping (nothing joins or reorders); what is lost is the kerning of Latin pairs,
 * invisible at these sizes. Shaping each new word was a third of the time to draw a long history.
 */
function withoutShaping(embedded: EmbeddedFont): void {
  const glyphs = new Map<number, Glyph>();
  embedded.layoutRun = (text, features) => {
    if (features) throw new Error('report text is laid out without OpenType features');
    const run = { glyphs: [] as Glyph[], positions: [] as Position[], advanceWidth: 0 };
    for (const character of text) {
      const codePoint = character.codePointAt(0)!;
      let glyph = glyphs.get(codePoint);
      if (!glyph) glyphs.set(codePoint, (glyph = embedded.font.glyphForCodePoint(codePoint)));
      const advance = glyph.advanceWidth * embedded.scale;
      run.glyphs.push(glyph);
      run.positions.push({ xAdvance: advance, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: advance });
      run.advanceWidth += advance;
    }
    return run;
  };
}

export function createReport(frame: ReportFrame): { doc: Doc; newPage: () => void } {
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    autoFirstPage: false,
    info: { Title: frame.title, Subject: frame.subject, Creator: 'Custody', Keywords: `report ${frame.reportId}` },
  });
  doc.registerFont('regular', fontData('regular'));
  doc.registerFont('bold', fontData('bold'));
  for (const weight of ['regular', 'bold'] as const)
    withoutShaping((doc.font(weight) as unknown as { _font: EmbeddedFont })._font);
  let page = 0;
  const newPage = () => {
    page += 1;
    doc.addPage();
    doc
      .font('bold')
      .fontSize(11)
      .fillColor('black')
      .text(frame.title, PAGE.margin, PAGE.margin, { width: CONTENT_WIDTH, lineBreak: false });
    doc
      .font('regular')
      .fontSize(8)
      .text(frame.subject, PAGE.margin, PAGE.margin + 14, { width: CONTENT_WIDTH, lineBreak: false });
    doc
      .moveTo(PAGE.margin, CONTENT_TOP - 4)
      .lineTo(PAGE.width - PAGE.margin, CONTENT_TOP - 4)
      .lineWidth(0.5)
      .stroke();
    doc.font('regular').fontSize(7.5).fillColor('#333333');
    // The footer sits in the bottom margin: without lifting it, pdfkit would start a new page for it.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.text(fitText(doc, footer(frame, page), CONTENT_WIDTH), PAGE.margin, PAGE.height - PAGE.margin - 10, {
      width: CONTENT_WIDTH,
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
    doc.fillColor('black');
  };
  return { doc, newPage };
}

// Text with no character outside printable ASCII is set in the PDF's built-in fonts: no embedding and no
// OpenType shaping, several times faster than the CJK font for hashes, ids and times.
const ASCII = /^[\x20-\x7e]*$/;
const BUILT_IN = { regular: 'Helvetica', bold: 'Helvetica-Bold', mono: 'Courier' } as const;

/** pdfkit's own step that sets one run of text at a position (pdfkit 0.20, pinned in package.json). */
interface Fragment {
  _fragment(text: string, x: number, y: number, options: { textWidth: number; wordCount: number }): void;
}

/** One line of text that never wraps or overflows `width`, with any control character shown as its code point. */
export function line(
  doc: Doc,
  given: string,
  x: number,
  y: number,
  width: number,
  font: 'regular' | 'bold' | 'mono' = 'regular',
  size = 8.5,
): void {
  const text = visibleText(given);
  doc.font(ASCII.test(text) || font === 'mono' ? BUILT_IN[font] : font).fontSize(size);
  // Already shortened to fit, so set directly: doc.text() would measure the string three more times (to wrap,
  // to align and to move its cursor), and measuring is most of the cost of a long history.
  // Every Courier glyph is 0.6 em wide: a monospaced line is measured by counting.
  const fitted = font === 'mono' && text.length * 0.6 * size <= width ? text : fitText(doc, text, width);
  (doc as unknown as Fragment)._fragment(fitted, x, y, { textWidth: 0, wordCount: 0 });
}

/** A table with fixed columns: every cell one line, shortened to fit. Returns the y after the last row. */
export function table(
  doc: Doc,
  columns: { title: string; width: number }[],
  rows: string[][],
  x: number,
  y: number,
  rowHeight = 14,
): number {
  let cursor = x;
  doc
    .rect(
      x,
      y,
      columns.reduce((a, c) => a + c.width, 0),
      rowHeight,
    )
    .fill('#eeeeee')
    .fillColor('black');
  for (const column of columns) {
    line(doc, column.title, cursor + 2, y + 3, column.width - 4, 'bold', 8);
    cursor += column.width;
  }
  let top = y + rowHeight;
  for (const row of rows) {
    cursor = x;
    row.forEach((cell, i) => {
      line(doc, cell, cursor + 2, top + 3, columns[i]!.width - 4, 'regular', 8);
      cursor += columns[i]!.width;
    });
    doc
      .moveTo(x, top + rowHeight)
      .lineTo(cursor, top + rowHeight)
      .lineWidth(0.25)
      .strokeColor('#bbbbbb')
      .stroke()
      .strokeColor('black');
    top += rowHeight;
  }
  return top;
}

/** One person who signs: a label alone leaves the box blank; a signature given on a pad is printed in it. */
export type Signatory = string | { label: string; name?: string; image?: Buffer; fingerprint?: string; date?: string };

/** Height a signature box takes below its y: label, the drawn signature, the line, date and fingerprint. */
export const SIGNATURE_BOX_HEIGHT = 80;

/** Signature boxes for the people who sign a printed receipt, slip or certificate. */
export function signatureBoxes(doc: Doc, signatories: Signatory[], y: number, dateLabel: string): void {
  const width = CONTENT_WIDTH / signatories.length;
  signatories.forEach((given, i) => {
    const s = typeof given === 'string' ? { label: given } : given;
    const x = PAGE.margin + i * width;
    line(doc, s.name ? `${s.label}: ${s.name}` : s.label, x, y, width - 10, 'bold', 9);
    if (s.image) doc.image(s.image, x, y + 13, { fit: [width - 30, 38], valign: 'bottom' });
    doc
      .moveTo(x, y + 53)
      .lineTo(x + width - 20, y + 53)
      .lineWidth(0.5)
      .stroke();
    line(doc, `${dateLabel}: ${s.date ?? '____________'}`, x, y + 60, width - 10, 'regular', 8);
    if (s.fingerprint) line(doc, s.fingerprint, x, y + 74, width - 10, 'mono', 5.5);
  });
}
