import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { iso } from './seeded';

/** Rows in COPY's text form, and their loading. */

/** A value already in COPY's text form. */
class Raw {
  constructor(readonly text: string) {}
}

// COPY's text format: \N for null, and backslash, newline, carriage return and tab escaped.
const ESCAPES = /[\\\n\r\t]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function field(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Array.isArray(value)) return `{${value.join(',')}}`;
  const text = String(value);
  return ESCAPES.test(text) ? text.replace(ESCAPES, (c) => ESCAPED[c]!) : text;
}
export const bytea = (hex: string | null) => new Raw(hex ? `\\\\x${hex}` : '\\N');
export const line = (values: unknown[]) => `${values.map(field).join('\t')}\n`;

export async function copy(client: pg.ClientBase, table: string, columns: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const stream = client.query(copyFrom(`copy ${table} (${columns}) from stdin`));
  // A few thousand lines a write: one string of a whole chunk's events would be needlessly large.
  const parts = (function* () {
    for (let at = 0; at < lines.length; at += 2000) yield lines.slice(at, at + 2000).join('');
  })();
  await pipeline(Readable.from(parts), stream);
}

export const timeOrNull = (t: number | null) => (t === null ? null : iso(t));
