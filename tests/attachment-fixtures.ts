import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import PDFDocument from 'pdfkit';
import { requireDebianTools } from './debian-tools';

requireDebianTools('pdftoppm');

/** Real files of each attachment type, made here rather than kept as opaque bytes. */

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * An 8-bit RGB PNG of `width`×`height`, Adam7-interlaced if asked. `raw` replaces the filtered scanlines
 * (to make one whose data does not fit its header).
 */
export function makePng(
  width: number,
  height: number,
  { interlaced = false, raw }: { interlaced?: boolean; raw?: Buffer } = {},
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, interlaced ? 1 : 0], 8);
  const passes = interlaced
    ? [
        [0, 0, 8, 8],
        [4, 0, 8, 8],
        [0, 4, 4, 8],
        [2, 0, 4, 4],
        [0, 2, 2, 4],
        [1, 0, 2, 2],
        [0, 1, 1, 2],
      ].map(([x0, y0, dx, dy]) => [Math.ceil((width - x0!) / dx!), Math.ceil((height - y0!) / dy!)])
    : [[width, height]];
  const scanlines = passes.flatMap(([w, h]) =>
    w! > 0 && h! > 0
      ? Array.from({ length: h! }, (_, y) => Buffer.concat([Buffer.from([0]), Buffer.alloc(w! * 3, (y * 37) & 0xff)]))
      : [],
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw ?? Buffer.concat(scanlines))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-page PDF from pdfkit (a classic cross-reference table). */
export function makePdf(text = 'Seizure record'): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A6' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.text(text);
    doc.end();
  });
}

/** A JPEG photograph of that PDF's page, as poppler's pdftoppm renders it (libjpeg). */
export async function makeJpeg(): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-jpeg-'));
  try {
    fs.writeFileSync(path.join(dir, 'page.pdf'), await makePdf());
    execFileSync('pdftoppm', ['-jpeg', '-r', '30', '-singlefile', path.join(dir, 'page.pdf'), path.join(dir, 'page')]);
    return fs.readFileSync(path.join(dir, 'page.jpg'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
