import type { z } from 'zod';
import { newItemBody } from '../../api/custody.schemas';
import { arrayLiteral, type Sql } from '../../custody/sql';
import { categoryOf, columnOf, COLUMNS, type Column } from './columns';
import type { Cell, Sheet } from './sheet';

export type NewItem = z.output<typeof newItemBody>;

/** One thing wrong with the file, where a spreadsheet shows it: its row and its column's header. */
export interface RowProblem {
  row: number;
  column: string | null;
  detail: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The offset of `timeZone` at a wall-clock time, as +08:00. */
function offsetAt(wall: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' }).formatToParts(wall);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return name === 'GMT' ? '+00:00' : name.slice(3);
}

/**
 * An instant from what a sheet holds: an ISO time with its offset as it is, or a wall-clock time (typed as
 * 2026-11-02 09:30, or a spreadsheet's date, which has no zone) in `timeZone`.
 */
function instantOf(cell: Cell, timeZone: string): string | null {
  let wall: Date;
  if (cell instanceof Date) wall = cell;
  else if (typeof cell === 'string') {
    const text = cell.trim();
    if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(text) && text.includes('T')) return text;
    const m = text.match(/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/);
    if (!m) return null;
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
    wall = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
    if (wall.getUTCDate() !== Number(d) || wall.getUTCMonth() !== Number(mo) - 1) return null;
  } else return null;
  const local = `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(
    wall.getUTCHours(),
  )}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`;
  // The zone's offset at that wall time (near enough: a wall time inside a DST change is rare in a seizure).
  return `${local}${offsetAt(new Date(`${local}Z`), timeZone)}`;
}

const textOf = (cell: Cell): string | undefined => {
  if (cell === null) return undefined;
  if (typeof cell === 'number') return String(cell);
  if (typeof cell === 'string') return cell.trim() === '' ? undefined : cell.trim();
  return undefined;
};

/**
 * The items a sheet describes, each checked as POST /cases/{id}/items checks it, and every problem by row and
 * column: a missing or unknown column, a missing field, an unknown category, a bad date or number, a
 * formula (never evaluated), a serial number twice in the file or already in the case.
 */
export async function itemsOf(
  sql: Sql,
  caseId: string,
  sheet: Sheet,
  timeZone: string,
): Promise<{ items: NewItem[]; problems: RowProblem[] }> {
  const problems: RowProblem[] = [];
  const columns: (Column | undefined)[] = sheet.headers.map(columnOf);
  sheet.headers.forEach((h, i) => {
    if (h && !columns[i])
      problems.push({ row: 1, column: h, detail: `column ${h} is not one of the template's (download it again)` });
  });
  for (const column of COLUMNS.filter((c) => c.required && !columns.includes(c)))
    problems.push({ row: 1, column: column.zh, detail: `the column ${column.zh} (${column.en}) is missing` });
  if (problems.length) return { items: [], problems };

  const items: NewItem[] = [];
  const serials = new Map<string, number>();
  for (const { row, cells } of sheet.rows) {
    const at = new Map(columns.map((c, i) => [c?.field, { header: sheet.headers[i]!, cell: cells[i] ?? null }]));
    const header = (field: string) => at.get(field)?.header ?? field;
    const own: RowProblem[] = [];
    const fields: Record<string, unknown> = {};
    for (const [field, { header: h, cell }] of at) {
      if (!field) continue;
      if (cell !== null && typeof cell === 'object' && !(cell instanceof Date)) {
        own.push({ row, column: h, detail: `a formula (=${cell.formula}) is not read: type the value itself` });
        continue;
      }
      if (field === 'seizedAt') {
        if (cell === null || (typeof cell === 'string' && !cell.trim())) continue;
        const instant = instantOf(cell, timeZone);
        if (!instant)
          own.push({ row, column: h, detail: `${String(cell)} is not a date and time such as 2026-11-02 09:30` });
        else fields.seizedAt = instant;
      } else if (field === 'category') {
        const text = textOf(cell);
        if (text === undefined) continue;
        const category = categoryOf(text);
        if (!category) own.push({ row, column: h, detail: `${text} is not a category (see the template's list)` });
        else fields.category = category;
      } else {
        const text = cell instanceof Date ? cell.toISOString() : textOf(cell);
        if (text !== undefined) fields[field] = text;
      }
    }
    const parsed = newItemBody.safeParse(fields);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        if (own.some((p) => p.column === header(field))) continue;
        const missing = fields[field] === undefined;
        own.push({ row, column: header(field), detail: missing ? 'is missing' : issue.message });
      }
    }
    // Whatever else is wrong with the row, its serial number is checked too.
    const serial = typeof fields.serialNumber === 'string' ? fields.serialNumber : undefined;
    const earlier = serial ? serials.get(serial) : undefined;
    if (serial && earlier)
      own.push({ row, column: header('serialNumber'), detail: `${serial} is also in row ${earlier}` });
    else if (serial) serials.set(serial, row);
    if (parsed.success && !own.length) items.push(parsed.data);
    problems.push(...own);
  }
  if (serials.size) {
    const known = await sql.execute<{ serial_number: string; code: string }[]>(
      `select serial_number, code from items where case_id = ? and serial_number = any (?::text[])`,
      [caseId, arrayLiteral([...serials.keys()])],
    );
    for (const { serial_number, code } of known)
      problems.push({
        row: serials.get(serial_number)!,
        column: sheet.headers[columns.findIndex((c) => c?.field === 'serialNumber')]!,
        detail: `${serial_number} is already item ${code}'s in this case`,
      });
  }
  // Stable: a row's problems stay in its columns' order.
  problems.sort((a, b) => a.row - b.row);
  return { items, problems };
}
