import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { UnprocessableError } from '../../errors';
import { checkPdfStructure } from './pdf-structure';

/**
 * An attachment is accepted only if its bytes are what its declared type says, and a photograph only if it is
 * an image that decodes: a web page declared as `image/png`, an SVG as `application/pdf`, or any bytes as the
 * photograph that valuables need before check-in, are refused. These checks read the structure (and, for a
 * PNG, inflate the whole image); they do not render it.
 */
export async function checkAttachmentContent(contentType: string, data: Buffer): Promise<void> {
  const problem =
    contentType === 'image/png'
      ? await pngProblem(data)
      : contentType === 'image/jpeg'
        ? jpegProblem(data)
        : checkPdfStructure(data);
  if (problem) throw new UnprocessableError(`the attachment is declared ${contentType} but is not one: ${problem}`);
}

/** Largest decompressed PNG image checked (its rows as IHDR implies them): beyond it, refused unread. */
export const MAX_PNG_RAW_BYTES = 256 * 1024 * 1024;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Allowed bit depths per colour type (PNG §11.2.2), and the samples per pixel. */
const PNG_COLOUR: Record<number, { depths: number[]; channels: number }> = {
  0: { depths: [1, 2, 4, 8, 16], channels: 1 },
  2: { depths: [8, 16], channels: 3 },
  3: { depths: [1, 2, 4, 8], channels: 1 },
  4: { depths: [8, 16], channels: 2 },
  6: { depths: [8, 16], channels: 4 },
};
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The bytes the filtered scanlines take once inflated: one filter byte and the packed samples per row. */
function pngRawSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  if (!interlaced) return rows(width, height);
  return ADAM7.reduce(
    (sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)),
    0,
  );
}

/** Why `data` is no PNG that decodes, or null. */
export async function pngProblem(data: Buffer): Promise<string | null> {
  if (data.length < 8 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return 'no PNG signature';
  let offset = 8;
  let header: { width: number; height: number; bitsPerPixel: number; interlaced: boolean; colourType: number } | null =
    null;
  let palette = false;
  const idat: Buffer[] = [];
  let idatEnded = false;
  while (offset < data.length) {
    if (offset + 12 > data.length) return `a chunk is cut short at byte ${offset}`;
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    if (length > 0x7fffffff || offset + 12 + length > data.length)
      return `chunk ${JSON.stringify(type)} at byte ${offset} runs past the end`;
    if (!/^[A-Za-z]{4}$/.test(type)) return `a chunk at byte ${offset} has no valid type`;
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (zlib.crc32(data.subarray(offset + 4, offset + 8 + length)) !== data.readUInt32BE(offset + 8 + length))
      return `chunk ${type} has a wrong CRC`;
    offset += 12 + length;
    if (!header && type !== 'IHDR') return 'the first chunk is not IHDR';
    if (type === 'IHDR') {
      if (header) return 'more than one IHDR';
      if (length !== 13) return 'IHDR is not 13 bytes long';
      const [width, height] = [body.readUInt32BE(0), body.readUInt32BE(4)];
      const [depth, colourType, compression, filter, interlace] = [body[8]!, body[9]!, body[10]!, body[11]!, body[12]!];
      const colour = PNG_COLOUR[colourType];
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff)
        return 'IHDR gives no valid width and height';
      if (!colour || !colour.depths.includes(depth))
        return `colour type ${colourType} with bit depth ${depth} is not PNG`;
      if (compression !== 0 || filter !== 0 || interlace > 1)
        return 'IHDR names an unknown compression, filter or interlace method';
      header = { width, height, bitsPerPixel: depth * colour.channels, interlaced: interlace === 1, colourType };
    } else if (type === 'PLTE') {
      palette = true;
    } else if (type === 'IDAT') {
      if (idatEnded) return 'IDAT chunks are not consecutive';
      idat.push(body);
    } else if (type === 'IEND') {
      if (offset !== data.length) return 'there are bytes after IEND';
      if (idat.length === 0) return 'there is no IDAT';
      if (header!.colourType === 3 && !palette) return 'a palette image has no PLTE';
      const expected = pngRawSize(header!.width, header!.height, header!.bitsPerPixel, header!.interlaced);
      if (expected > MAX_PNG_RAW_BYTES)
        return `the image is ${header!.width}×${header!.height}, larger than is accepted`;
      return inflatedSizeProblem(Buffer.concat(idat), expected);
    }
    if (idat.length > 0 && type !== 'IDAT') idatEnded = true;
  }
  return 'there is no IEND';
}

/** Inflates as a stream, keeping nothing, and stops as soon as the data is longer than IHDR implies. */
async function inflatedSizeProblem(compressed: Buffer, expected: number): Promise<string | null> {
  let size = 0;
  try {
    for await (const chunk of Readable.from([compressed]).pipe(zlib.createInflate())) {
      size += (chunk as Buffer).length;
      if (size > expected) return `the image data inflates to more than the ${expected} bytes its header implies`;
    }
  } catch (err) {
    return `the image data does not inflate (${(err as Error).message})`;
  }
  return size === expected ? null : `the image data inflates to ${size} bytes, not the ${expected} its header implies`;
}

/** Start-of-frame markers: every SOFn but DHT (C4), JPG (C8) and DAC (CC). */
const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * A JPEG's structure (ITU T.81 Annex B): SOI, tables, one frame header with its size and components, at
 * least one scan with entropy-coded data, EOI. Whatever follows EOI must itself be a JPEG (a phone's
 * multi-picture file keeps its preview images there).
 */
function jpegProblem(data: Buffer): string | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return 'no JPEG start-of-image marker';
  let offset = 2;
  let frame = false;
  let quantization = false;
  let scanData = 0;
  while (offset < data.length) {
    if (data[offset] !== 0xff) return `no marker at byte ${offset}`;
    while (data[offset] === 0xff) offset++;
    const marker = data[offset++];
    if (marker === undefined) return 'the file ends inside a marker';
    if (marker === 0xd9) {
      if (!frame || scanData === 0) return 'it ends before a frame with scan data';
      if (offset === data.length || jpegProblem(data.subarray(offset)) === null) return null;
      return 'there are bytes after its end-of-image marker that are no JPEG';
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (offset + 2 > data.length) return 'a segment is cut short';
    const length = data.readUInt16BE(offset);
    if (length < 2 || offset + length > data.length) return `a segment at byte ${offset} runs past the end`;
    const segment = data.subarray(offset + 2, offset + length);
    offset += length;
    if (marker === 0xdb) quantization = true;
    if (isFrameMarker(marker)) {
      if (frame) return 'more than one frame header';
      if (segment.length < 6) return 'the frame header is cut short';
      const [precision, height, width, components] = [
        segment[0]!,
        segment.readUInt16BE(1),
        segment.readUInt16BE(3),
        segment[5]!,
      ];
      if (![8, 12, 16].includes(precision) || height === 0 || width === 0)
        return 'the frame header gives no valid precision or size';
      if (components < 1 || components > 4 || segment.length !== 6 + 3 * components)
        return 'the frame header gives no valid components';
      frame = true;
    }
    if (marker === 0xda) {
      if (!frame || !quantization) return 'a scan comes before the frame header or the quantization tables';
      const components = segment[0] ?? 0;
      if (components < 1 || components > 4 || segment.length !== 4 + 2 * components)
        return 'a scan header gives no valid components';
      // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart.
      const start = offset;
      while (
        offset < data.length &&
        !(
          data[offset] === 0xff &&
          data[offset + 1] !== 0x00 &&
          !(data[offset + 1]! >= 0xd0 && data[offset + 1]! <= 0xd7)
        )
      )
        offset++;
      scanData += offset - start;
    }
  }
  return 'there is no end-of-image marker';
}
