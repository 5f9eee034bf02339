import zlib from 'node:zlib';

/**
 * A PDF's file structure (ISO 32000 §7.5): the header, `%%EOF` at the end, `startxref` pointing at a
 * cross-reference table or stream, every section reached through /Prev, and each object they place where
 * they say it is (`N G obj`), down to the document catalog named by /Root. Objects kept inside object
 * streams are taken on the cross-reference's word. Returns what is wrong, or null.
 */
export function checkPdfStructure(data: Buffer): string | null {
  const text = data.toString('latin1');
  if (!/^%PDF-(1\.[0-7]|2\.0)/.test(text)) return 'no %PDF- header';
  const tail = text.slice(-1024);
  if (!/%%EOF\s*$/.test(tail)) return 'it does not end with %%EOF';
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!startxref) return 'there is no startxref before %%EOF';

  const offsets = new Map<number, number>();
  const compressed = new Set<number>();
  let root: number | null = null;
  const seen = new Set<number>();
  for (let at: number | null = Number(startxref[1]); at !== null;) {
    if (seen.has(at) || seen.size > 100) return 'the cross-reference sections loop';
    seen.add(at);
    const section: Section | string = text.startsWith('xref', at) ? readTable(text, at) : readStream(data, text, at);
    if (typeof section === 'string') return section;
    // The newest section comes first and wins.
    for (const [object, offset] of section.offsets)
      if (!offsets.has(object) && !compressed.has(object)) offsets.set(object, offset);
    for (const object of section.compressed) if (!offsets.has(object)) compressed.add(object);
    root ??= section.root;
    at = section.prev;
  }
  if (root === null) return 'no trailer names the document catalog (/Root)';
  const objectHeader = /\s*(\d+)\s+\d+\s+obj\b/y;
  for (const [object, offset] of offsets) {
    objectHeader.lastIndex = offset;
    if (Number(objectHeader.exec(text)?.[1]) !== object)
      return `object ${object} is not at byte ${offset}, where the cross-reference puts it`;
  }
  if (compressed.has(root)) return null;
  const catalogAt = offsets.get(root);
  if (catalogAt === undefined) return `the catalog, object ${root}, is in no cross-reference section`;
  const end = text.indexOf('endobj', catalogAt);
  if (end < 0 || !/\/Type\s*\/Catalog\b/.test(text.slice(catalogAt, end)))
    return `object ${root} is not a document catalog`;
  return null;
}

interface Section {
  offsets: Map<number, number>;
  compressed: number[];
  root: number | null;
  prev: number | null;
}

const rootOf = (dict: string) => /\/Root\s+(\d+)\s+\d+\s+R/.exec(dict)?.[1] ?? null;
const prevOf = (dict: string) => /\/Prev\s+(\d+)/.exec(dict)?.[1] ?? null;
const numberOrNull = (value: string | null) => (value === null ? null : Number(value));

/** A classic table: subsections of 20-byte entries, then `trailer << … >>`. */
function readTable(text: string, at: number): Section | string {
  const offsets = new Map<number, number>();
  let position = at + 4;
  const header = /\s*(\d+)\s+(\d+)[ \t]*\r?\n/y;
  for (;;) {
    header.lastIndex = position;
    const sub = header.exec(text);
    if (!sub) break;
    const [first, count] = [Number(sub[1]), Number(sub[2])];
    position = header.lastIndex;
    for (let i = 0; i < count; i++) {
      const entry = /^(\d{10}) (\d{5}) ([nf])(\r\n| \r| \n)/.exec(text.slice(position, position + 20));
      if (!entry) return `the cross-reference table at byte ${at} has a malformed entry`;
      if (entry[3] === 'n') offsets.set(first + i, Number(entry[1]));
      position += 20;
    }
  }
  const trailer = /^\s*trailer\s*<<([\s\S]*?)>>\s*(startxref|xref|%%EOF|$)/.exec(text.slice(position, position + 4096));
  if (!trailer) return `the cross-reference table at byte ${at} has no trailer`;
  return { offsets, compressed: [], root: numberOrNull(rootOf(trailer[1]!)), prev: numberOrNull(prevOf(trailer[1]!)) };
}

/** A cross-reference stream (PDF 1.5): `N G obj << /Type /XRef /W [...] … >> stream … endstream`. */
function readStream(data: Buffer, text: string, at: number): Section | string {
  const head = /^\s*\d+\s+\d+\s+obj\s*<<([\s\S]*?)>>\s*stream\r?\n/.exec(text.slice(at, at + 4096));
  if (!head || !/\/Type\s*\/XRef\b/.test(head[1]!))
    return `startxref points at byte ${at}, where there is no cross-reference`;
  const dict = head[1]!;
  const widths = /\/W\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(dict)?.slice(1).map(Number);
  const size = Number(/\/Size\s+(\d+)/.exec(dict)?.[1] ?? NaN);
  const length = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict)?.[1];
  if (!widths || widths.some((w) => w > 8) || !Number.isInteger(size) || length === undefined)
    return 'the cross-reference stream has no valid /W, /Size or /Length';
  const start = at + head.index + head[0].length;
  if (start + Number(length) > data.length) return 'the cross-reference stream runs past the end';
  let rows: Buffer = data.subarray(start, start + Number(length));
  if (/\/Filter\s*\[?\s*\/FlateDecode/.test(dict)) {
    try {
      rows = zlib.inflateSync(rows);
    } catch {
      return 'the cross-reference stream does not inflate';
    }
  } else if (/\/Filter/.test(dict)) return 'the cross-reference stream has a filter other than FlateDecode';
  const rowBytes = widths.reduce((a, b) => a + b, 0);
  const predictor = Number(/\/Predictor\s+(\d+)/.exec(dict)?.[1] ?? 1);
  if (predictor >= 10) {
    const unfiltered = unpredict(rows, rowBytes);
    if (!unfiltered) return 'the cross-reference stream has a malformed PNG predictor';
    rows = unfiltered;
  }
  const index = (/\/Index\s*\[([\d\s]*)\]/.exec(dict)?.[1] ?? `0 ${size}`).trim().split(/\s+/).map(Number);
  const count = index.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0);
  if (index.length % 2 !== 0 || rows.length !== count * rowBytes)
    return 'the cross-reference stream does not hold the entries its /Index and /W say';
  const field = (row: number, column: number) => {
    let value = 0;
    const skip = widths.slice(0, column).reduce((a, b) => a + b, 0);
    for (let k = 0; k < widths[column]!; k++) value = value * 256 + rows[row * rowBytes + skip + k]!;
    return value;
  };
  const offsets = new Map<number, number>();
  const compressed: number[] = [];
  let row = 0;
  for (let s = 0; s < index.length; s += 2) {
    for (let i = 0; i < index[s + 1]!; i++, row++) {
      const type = widths[0] === 0 ? 1 : field(row, 0);
      if (type === 1) offsets.set(index[s]! + i, field(row, 1));
      else if (type === 2) compressed.push(index[s]! + i);
    }
  }
  return { offsets, compressed, root: numberOrNull(rootOf(dict)), prev: numberOrNull(prevOf(dict)) };
}

/** Undoes the PNG row filters a cross-reference stream's /Predictor (10–15) applied, one filter byte a row. */
function unpredict(data: Buffer, columns: number): Buffer | null {
  if (columns === 0 || data.length % (columns + 1) !== 0) return null;
  const rows = data.length / (columns + 1);
  const out = Buffer.alloc(rows * columns);
  for (let r = 0; r < rows; r++) {
    const filter = data[r * (columns + 1)]!;
    for (let c = 0; c < columns; c++) {
      const raw = data[r * (columns + 1) + 1 + c]!;
      const left = c > 0 ? out[r * columns + c - 1]! : 0;
      const up = r > 0 ? out[(r - 1) * columns + c]! : 0;
      const upLeft = r > 0 && c > 0 ? out[(r - 1) * columns + c - 1]! : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      };
      const predicted = [0, left, up, (left + up) >> 1, filter === 4 ? paeth() : 0][filter];
      if (predicted === undefined) return null;
      out[r * columns + c] = (raw + predicted) & 0xff;
    }
  }
  return out;
}
