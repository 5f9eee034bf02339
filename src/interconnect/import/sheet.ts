import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import { UnprocessableError } from '../../errors';

/** What an import reads: CSV (UTF-8, or GB18030 as Excel in Chinese saves it) or an XLSX workbook's first sheet. */
export type SheetKind = 'csv' | 'xlsx';

/** A cell as read: text, a number, a date (its wall-clock time, in UTC fields), or a formula, never evaluated. */
export type Cell = string | number | Date | { formula: string } | null;

export interface SheetRow {
  /** The row's number in the file, as a spreadsheet shows it (the header is row 1). */
  row: number;
  cells: Cell[];
}

export interface Sheet {
  headers: string[];
  rows: SheetRow[];
}

/** The most an import takes, so that a hostile file costs no more than a large honest one. */
export const LIMITS = {
  rows: 10_000,
  /** Excel's own limit of a cell. */
  cellChars: 32_767,
  csvRecordBytes: 256 * 1024,
  zipEntries: 500,
  unzippedBytes: 64 * 1024 * 1024,
};

const refuse = (detail: string) => new UnprocessableError(detail);

function decodeText(bytes: Buffer): string {
  if (bytes.includes(0))
    throw refuse('the file is not a CSV text: it holds binary data (a spreadsheet is sent as XLSX)');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Excel in Chinese saves "CSV" in the system's code page.
    return new TextDecoder('gb18030').decode(bytes);
  }
}

function readCsv(bytes: Buffer): string[][] {
  let records: string[][];
  try {
    records = parse(decodeText(bytes), {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: LIMITS.csvRecordBytes,
      // One more than allowed (and the header), to tell that there are too many without reading them all.
      to_line: LIMITS.rows + 2,
    }) as string[][];
  } catch (err) {
    throw refuse(`the file is not a CSV table this import can read: ${(err as Error).message}`);
  }
  return records;
}

/**
 * The workbook's zip read for its sizes before anything is unpacked: a zip bomb (a few kilobytes that unpack
 * to gigabytes) is refused from its directory, and its worksheets' rows are counted before the workbook is
 * parsed.
 */
function checkWorkbook(bytes: Buffer): void {
  let entries = 0;
  let unzipped = 0;
  let sheets: Record<string, Uint8Array>;
  try {
    sheets = unzipSync(bytes, {
      filter: (file) => {
        entries += 1;
        unzipped += file.originalSize;
        if (entries > LIMITS.zipEntries) throw refuse(`the workbook holds more than ${LIMITS.zipEntries} parts`);
        if (unzipped > LIMITS.unzippedBytes || file.originalSize > 200 * Math.max(file.size, 1024)) {
          throw refuse(
            `the workbook unpacks to more than ${LIMITS.unzippedBytes / 2 ** 20} MiB, or far more than it weighs: refused as a zip bomb`,
          );
        }
        return /^xl\/worksheets\/sheet\d+\.xml$/.test(file.name);
      },
    });
  } catch (err) {
    if (err instanceof UnprocessableError) throw err;
    throw refuse('the file is not an XLSX workbook (an Office Open XML zip)');
  }
  for (const [name, xml] of Object.entries(sheets)) {
    if (xml.length > LIMITS.unzippedBytes) throw refuse(`${name} is larger than its zip said: refused`);
    let rows = 0;
    const text = Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength);
    for (let at = text.indexOf('<row'); at >= 0; at = text.indexOf('<row', at + 4)) rows += 1;
    if (rows > LIMITS.rows + 1) throw refuse(`the sheet has more than ${LIMITS.rows.toLocaleString('en')} rows`);
  }
}

function cellOf(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if ('formula' in value || 'sharedFormula' in value) {
    return { formula: ('formula' in value ? value.formula : value.sharedFormula) ?? '' };
  }
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value) return typeof value.text === 'string' ? value.text : null;
  if ('error' in value) return String(value.error);
  return null;
}

async function readXlsx(bytes: Buffer): Promise<Cell[][]> {
  checkWorkbook(bytes);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw refuse(`the workbook could not be read: ${(err as Error).message}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw refuse('the workbook has no sheet');
  const rows: Cell[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, n) => {
    const values = Array.isArray(row.values) ? row.values.slice(1) : [];
    rows[n - 1] = values.map((v) => cellOf(v as ExcelJS.CellValue));
  });
  return Array.from(rows, (r) => r ?? []);
}

const isBlank = (cells: Cell[]) => cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''));

/** The table in a file: its header row, and every other row that is not blank, numbered as in the file. */
export async function readSheet(bytes: Buffer, kind: SheetKind): Promise<Sheet> {
  const table: Cell[][] = kind === 'csv' ? readCsv(bytes) : await readXlsx(bytes);
  const [first, ...rest] = table;
  if (!first || isBlank(first)) throw refuse('the file has no header row: start from the template');
  const rows = rest.map((cells, i) => ({ row: i + 2, cells })).filter((r) => !isBlank(r.cells));
  if (rows.length > LIMITS.rows) throw refuse(`the file has more than ${LIMITS.rows.toLocaleString('en')} rows`);
  if (rows.length === 0) throw refuse('the file has a header row but no items');
  for (const { row, cells } of [{ row: 1, cells: first }, ...rows]) {
    cells.forEach((cell, column) => {
      if (typeof cell === 'string' && cell.length > LIMITS.cellChars)
        throw refuse(
          `row ${row}, column ${column + 1} holds ${cell.length.toLocaleString('en')} characters; a cell holds at most ${LIMITS.cellChars.toLocaleString('en')}`,
        );
    });
  }
  return { headers: first.map((c) => (c === null ? '' : String(c)).trim()), rows };
}
