/** One measured figure, beside the raw baseline it is compared with (measured in the same run). */
export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** What the figure should reach, as text (from the issue's targets). */
  target?: string;
  /** The size it was measured at, when the same figure is measured at several (the scale section). */
  at?: string;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

function printRows(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

export function printTable(figures: Figure[]): void {
  if (figures.length === 0) return;
  const rows = figures.map((f) => [
    f.section,
    f.name,
    `${fmt(f.value)} ${f.unit}`,
    f.baseline ? `${fmt(f.baseline.value)} ${f.unit} (${f.baseline.name})` : '',
    f.baseline ? `${(f.value / f.baseline.value).toFixed(2)}×` : '',
    f.target ?? '',
  ]);
  printRows(['section', 'figure', 'value', 'raw baseline', 'ratio', 'target'], rows);
}

/**
 * The figures measured at several sizes, a row each and a column per size (the value, and its ratio to its
 * baseline of the same run), then the last size's value over the first's.
 */
export function printSideBySide(figures: Figure[]): void {
  const sizes = [...new Set(figures.map((f) => f.at!))];
  if (sizes.length === 0) return;
  const names = [...new Set(figures.map((f) => f.name))];
  const rows = names.map((name) => {
    const at = sizes.map((size) => figures.find((f) => f.name === name && f.at === size));
    const cells = at.map((f) =>
      f ? `${fmt(f.value)} ${f.unit}${f.baseline ? ` (${(f.value / f.baseline.value).toFixed(2)}×)` : ''}` : '',
    );
    const [first, last] = [at[0], at[at.length - 1]];
    const growth = sizes.length > 1 ? [first && last ? `${(last.value / first.value).toFixed(2)}×` : ''] : [];
    return [name, ...cells, ...growth, at.find((f) => f?.target)?.target ?? ''];
  });
  const growth = sizes.length > 1 ? [`${sizes[sizes.length - 1]} / ${sizes[0]}`] : [];
  console.log();
  printRows(['figure', ...sizes, ...growth, 'target'], rows);
  console.log('\n(×: the figure over its raw baseline, measured in the same run; bench/results/latest.json has both)');
}

export async function time<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}
