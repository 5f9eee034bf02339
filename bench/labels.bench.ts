import PDFDocument from 'pdfkit';
import { generateItemCode, formatItemCode } from '../src/custody/items/item-code';
import { renderLabels, type LabelSize } from '../src/reports/labels';
import { time, type Figure } from './table';

const drain = (doc: PDFKit.PDFDocument) =>
  new Promise<number>((resolve) => {
    let bytes = 0;
    doc.on('data', (c: Buffer) => (bytes += c.length));
    doc.on('end', () => resolve(bytes));
  });

/** 1,000 item labels, against pdfkit drawing 1,000 pages of one line of text (its own floor). */
export async function benchLabels(): Promise<Figure[]> {
  const labels = Array.from({ length: 1000 }, (_, i) => {
    const code = generateItemCode();
    return {
      code,
      displayCode: formatItemCode(code),
      lines: [
        `案号 东公刑[2026]${i}号 · 第${i + 1}件`,
        '电子设备 · 黑色华为手机一部，屏幕有裂痕',
        '扣押 2026-11-02 · 封签 S-0001',
        '单位 PSB-EAST',
      ],
    };
  });
  renderLabels(labels.slice(0, 1), 'a4', 'warm-up').resume();
  const baseline = await time(async () => {
    const doc = new PDFDocument({ size: 'A4', autoFirstPage: false });
    const done = drain(doc);
    for (let i = 0; i < 1000; i++) doc.addPage().text(`page ${i}`);
    doc.end();
    return done;
  });
  const figures: Figure[] = [];
  for (const size of ['a4', '100x50mm'] as LabelSize[]) {
    const run = await time(() => drain(renderLabels(labels, size, 'bench')));
    figures.push({
      section: 'labels',
      name: `1,000 labels, ${size} (${(run.result / 1024).toFixed(0)} KiB)`,
      value: run.ms,
      unit: 'ms',
      baseline: { name: '1,000 bare pdfkit pages', value: baseline.ms },
      target: '< 5,000 ms',
    });
  }
  return figures;
}
