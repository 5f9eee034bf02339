import {
  CONTENT_BOTTOM,
  CONTENT_TOP,
  CONTENT_WIDTH,
  createReport,
  line,
  PAGE,
  SIGNATURE_BOX_HEIGHT,
  signatureBoxes,
  table,
  type Doc,
  type Signatory,
} from './document';
import { reportWord, type Lang } from './i18n';

export interface TableReport {
  title: string;
  subject: string;
  lang: Lang;
  reportId: string;
  generatedAt: string;
  generatedBy: string;
  /** Lines printed above the table on the first page (who, when, what the document rests on). */
  heading: string[];
  columns: { title: string; share: number }[];
  rows: string[][];
  /** People who sign the printed document; boxes are drawn after the table. */
  signatures?: Signatory[];
}

const ROW = 14;
const SIGNATURE_SPACE = 24 + SIGNATURE_BOX_HEIGHT;

/** A paginated table document (inventory, receipt, slip, certificate), page x of y on every page. */
export function renderTableReport(report: TableReport): Doc {
  const firstTop = CONTENT_TOP + 8 + report.heading.length * 13 + 8;
  const perFirst = Math.floor((CONTENT_BOTTOM - firstTop - ROW) / ROW);
  const perPage = Math.floor((CONTENT_BOTTOM - CONTENT_TOP - ROW) / ROW);
  const rest = Math.max(0, report.rows.length - perFirst);
  let pages = 1 + Math.ceil(rest / perPage);
  const lastRows = rest === 0 ? report.rows.length : rest - (pages - 2) * perPage;
  const lastTop = pages === 1 ? firstTop : CONTENT_TOP;
  const needsSignaturePage =
    report.signatures && lastTop + (lastRows + 1) * ROW + SIGNATURE_SPACE + 20 > CONTENT_BOTTOM;
  if (needsSignaturePage) pages += 1;

  const { doc, newPage } = createReport({
    title: report.title,
    subject: report.subject,
    reportId: report.reportId,
    generatedAt: report.generatedAt,
    generatedBy: report.generatedBy,
    lang: report.lang,
    totalPages: pages,
  });
  const columns = report.columns.map((c) => ({ title: c.title, width: CONTENT_WIDTH * c.share }));
  newPage();
  report.heading.forEach((text, i) =>
    line(
      doc,
      text,
      PAGE.margin,
      CONTENT_TOP + 8 + i * 13,
      CONTENT_WIDTH,
      i === 0 ? 'bold' : 'regular',
      i === 0 ? 10 : 8.5,
    ),
  );
  let y = table(doc, columns, report.rows.slice(0, perFirst), PAGE.margin, firstTop, ROW);
  for (let start = perFirst; start < report.rows.length; start += perPage) {
    newPage();
    y = table(doc, columns, report.rows.slice(start, start + perPage), PAGE.margin, CONTENT_TOP, ROW);
  }
  if (report.signatures) {
    if (needsSignaturePage) {
      newPage();
      y = CONTENT_TOP;
    }
    signatureBoxes(doc, report.signatures, y + 24, reportWord('date', report.lang));
  }
  doc.end();
  return doc;
}

/** RFC 4180 CSV with a UTF-8 byte-order mark (spreadsheets then read Chinese correctly); cells that a
 * spreadsheet would run as a formula are prefixed with an apostrophe. A cell with a semicolon is quoted too:
 * spreadsheets set to a European locale split rows at semicolons. */
export function csv(rows: (string | number | null)[][]): string {
  const cell = (value: string | number | null) => {
    let text = value === null ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `\uFEFF${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}
