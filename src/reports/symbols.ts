import bwipjs from 'bwip-js';
import QRCode from 'qrcode';

/** Code 128 as bar and space widths in modules (bar first), from bwip-js's encoder. */
export function code128Widths(text: string): number[] {
  const [symbol] = bwipjs.raw('code128', text, '') as unknown as { sbs: number[] }[];
  return symbol!.sbs;
}

/** A QR code's modules (true = dark), error correction M: a scuffed label still reads. */
export function qrModules(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return Array.from({ length: modules.size }, (_, y) =>
    Array.from({ length: modules.size }, (_, x) => modules.get(x, y) === 1),
  );
}

export type BarcodeImageKind = 'code128' | 'qrcode';

/** A single symbol as PNG or SVG, for integrations. */
export async function barcodeImage(
  kind: BarcodeImageKind,
  text: string,
  format: 'png' | 'svg',
): Promise<Buffer | string> {
  const common = { bcid: kind, text, scale: 4, paddingwidth: 10, paddingheight: 4, backgroundcolor: 'FFFFFF' };
  // White background: a transparent PNG reads as black on black in many viewers and decoders.
  const options =
    kind === 'code128' ? { ...common, height: 12, includetext: true, textxalign: 'center' as const } : common;
  return format === 'svg' ? bwipjs.toSVG(options) : bwipjs.toBuffer(options);
}
