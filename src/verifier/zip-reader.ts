import { Inflate } from 'fflate';

/**
 * A reader of zip archives that may be hostile: the central directory is read and checked whole before any
 * entry is inflated (too many entries, an entry or a total declared larger than the limits, encrypted or
 * ZIP64 entries, names with `..`, absolute or backslashed paths, duplicates), and an entry is inflated a
 * piece at a time, stopped as soon as it outgrows its declared size, its CRC-32 checked. So a zip bomb costs
 * at most the declared sizes, which the limits bound. Runs in a browser as well as in Node (Uint8Array only).
 */

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
}

export const ZIP_LIMITS: ZipLimits = { maxEntries: 65_535, maxEntryBytes: 256 * 2 ** 20, maxTotalBytes: 8 * 2 ** 30 };

export class ZipError extends Error {
  override name = 'ZipError';
}

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const names = new TextDecoder('utf-8', { fatal: true });

function safeName(name: string): boolean {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.includes('\0')) return false;
  if (/^[A-Za-z]:/.test(name)) return false;
  return name.split('/').every((part) => part !== '..' && part !== '.');
}

/** The archive's entries, from its central directory, each checked against the limits; throws ZipError. */
export function readZipDirectory(zip: Uint8Array, limits: ZipLimits = ZIP_LIMITS): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  if (zip.length < 22 || view.getUint32(0, true) !== LOCAL) throw new ZipError('not a zip archive');
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory): truncated?');
  const count = view.getUint16(eocd + 10, true);
  const dirSize = view.getUint32(eocd + 12, true);
  const dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not read');
  if (count > limits.maxEntries) throw new ZipError(`${count} entries: more than the ${limits.maxEntries} allowed`);
  if (dirOffset + dirSize > eocd) throw new ZipError('the central directory lies outside the archive');
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL) throw new ZipError('the central directory is damaged');
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    let name: string;
    try {
      name = names.decode(zip.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw new ZipError(`entry ${i + 1} has a name that is not UTF-8`);
    }
    const entry: ZipEntry = {
      name,
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    if (!safeName(name)) throw new ZipError(`entry ${JSON.stringify(name)}: an unsafe path (absolute, \\ or ..)`);
    if (seen.has(name)) throw new ZipError(`entry ${name} appears twice`);
    seen.add(name);
    if (flags & 1) throw new ZipError(`entry ${name} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8)
      throw new ZipError(`entry ${name}: compression ${entry.method} is not read`);
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff)
      throw new ZipError('ZIP64 archives are not read');
    if (entry.size > limits.maxEntryBytes)
      throw new ZipError(`entry ${name} is ${entry.size} bytes: larger than the ${limits.maxEntryBytes} allowed`);
    total += entry.size;
    if (total > limits.maxTotalBytes)
      throw new ZipError(`the entries hold more than the ${limits.maxTotalBytes} bytes allowed in all`);
    if (entry.method === 0 && entry.size !== entry.compressedSize)
      throw new ZipError(`entry ${name} is stored, but its two sizes differ`);
    entries.push(entry);
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One entry's bytes, never more than its declared size; throws ZipError if it is damaged or lies. */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localOffset;
  if (at + 30 > zip.length || view.getUint32(at, true) !== LOCAL)
    throw new ZipError(`entry ${entry.name}: its local header is missing`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > zip.length) throw new ZipError(`entry ${entry.name} runs past the archive's end`);
  const data = zip.subarray(start, start + entry.compressedSize);
  let bytes: Uint8Array;
  if (entry.method === 0) bytes = data;
  else {
    bytes = new Uint8Array(entry.size);
    let filled = 0;
    const inflate = new Inflate((chunk) => {
      if (filled + chunk.length > entry.size)
        throw new ZipError(`entry ${entry.name} inflates to more than its declared ${entry.size} bytes`);
      bytes.set(chunk, filled);
      filled += chunk.length;
    });
    try {
      const piece = 64 * 1024;
      for (let from = 0; from < data.length || from === 0; from += piece)
        inflate.push(data.subarray(from, from + piece), from + piece >= data.length);
    } catch (err) {
      if (err instanceof ZipError) throw err;
      throw new ZipError(`entry ${entry.name} does not inflate: ${(err as Error).message}`);
    }
    if (filled !== entry.size)
      throw new ZipError(`entry ${entry.name} inflates to ${filled} bytes, not its declared ${entry.size}`);
  }
  if (crc32(bytes) !== entry.crc) throw new ZipError(`entry ${entry.name}: its CRC-32 does not match (damaged)`);
  return bytes;
}
