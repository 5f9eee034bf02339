import { code128Widths, qrModules } from './symbols';

// Code 128 needs a quiet zone of ten modules on each side; QR codes four.
const CODE128_QUIET = 10;
const QR_QUIET = 4;

/** Code 128 as vector bars filling `width` (quiet zones included). */
export function drawCode128(
  doc: PDFKit.PDFDocument,
  text: string,
  x: number,
  y: number,
  width: number,
  height: number,
): void {
  const widths = code128Widths(text);
  const module = width / (widths.reduce((a, b) => a + b, 0) + 2 * CODE128_QUIET);
  let cursor = x + CODE128_QUIET * module;
  widths.forEach((w, i) => {
    if (i % 2 === 0) doc.rect(cursor, y, w * module, height);
    cursor += w * module;
  });
  doc.fill('black');
}

/** A QR code as vector modules filling a `size` square (quiet zone included). */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const modules = qrModules(text);
  const module = size / (modules.length + 2 * QR_QUIET);
  modules.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (dark) doc.rect(x + (c + QR_QUIET) * module, y + (r + QR_QUIET) * module, module, module);
    }),
  );
  doc.fill('black');
}
