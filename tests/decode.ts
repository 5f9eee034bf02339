import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireDebianTools } from './debian-tools';

requireDebianTools('pdftoppm', 'pdftotext', 'pdfdetach', 'zbarimg');

const run = promisify(execFile);

export interface Symbol {
  page: number;
  type: string;
  data: string;
}

/** Renders every page of a PDF (pdftoppm) and reads every barcode on it with a real decoder (zbarimg). */
export async function decodePdf(pdf: Buffer, dpi = 300): Promise<Symbol[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-decode-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-r', String(dpi), '-gray', '-png', path.join(dir, 'in.pdf'), path.join(dir, 'page')]);
    const pages = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort();
    const symbols: Symbol[] = [];
    for (const [i, page] of pages.entries()) {
      symbols.push(...(await decodeImage(fs.readFileSync(path.join(dir, page)))).map((s) => ({ ...s, page: i + 1 })));
    }
    return symbols;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * As a scanner reads one label at a time: each cell of a sheet of labels is rendered on its own
 * (zbar finds only some of two dozen QR codes on one A4 page image, though each decodes alone).
 */
export async function decodePdfGrid(pdf: Buffer, columns: number, rows: number, dpi = 300): Promise<Symbol[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-grid-'));
  try {
    const file = path.join(dir, 'in.pdf');
    fs.writeFileSync(file, pdf);
    const { stdout } = await run('pdfinfo', [file]);
    const pages = Number(/Pages:\s+(\d+)/.exec(stdout)![1]);
    const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(stdout)!.map(Number) as [number, number, number];
    const cellW = Math.floor(((w / 72) * dpi) / columns);
    const cellH = Math.floor(((h / 72) * dpi) / rows);
    const symbols: Symbol[] = [];
    for (let page = 1; page <= pages; page++) {
      for (let cell = 0; cell < columns * rows; cell++) {
        const out = path.join(dir, `p${page}c${cell}`);
        const x = (cell % columns) * cellW;
        const y = Math.floor(cell / columns) * cellH;
        const args = ['-r', String(dpi), '-gray', '-png', '-singlefile', '-f', String(page), '-l', String(page)];
        await run('pdftoppm', [
          ...args,
          '-x',
          String(x),
          '-y',
          String(y),
          '-W',
          String(cellW),
          '-H',
          String(cellH),
          file,
          out,
        ]);
        symbols.push(...(await decodeImage(fs.readFileSync(`${out}.png`))).map((s) => ({ ...s, page })));
      }
    }
    return symbols;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function decodeImage(png: Buffer): Promise<Symbol[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-zbar-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.png'), png);
    // zbarimg exits 4 when it finds nothing: that is an empty answer, not a failure.
    const { stdout } = await run('zbarimg', ['-q', path.join(dir, 'in.png')]).catch(
      (err: { code?: number; stdout?: string }) => {
        if (err.code === 4) return { stdout: '' };
        throw err;
      },
    );
    // A symbol's data may hold newlines: a line that does not start with a symbology continues the last one.
    const symbols: Symbol[] = [];
    for (const line of stdout.replace(/\n$/, '').split('\n')) {
      const match = /^(QR-Code|CODE-128|EAN-13|CODE-39|PDF417):/.exec(line);
      if (match) symbols.push({ page: 1, type: match[1]!, data: line.slice(match[0].length) });
      else if (symbols.length) symbols.at(-1)!.data += `\n${line}`;
    }
    return symbols.filter((s) => s.data !== '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function pdfText(pdf: Buffer): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-text-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-layout', path.join(dir, 'in.pdf'), '-'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Collects a PDF (or any binary) response body as a Buffer with supertest. */
export const binary = (res: import('superagent').Response, callback: (err: Error | null, body: Buffer) => void) => {
  // In Node, superagent hands the parser the raw response stream.
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
};
