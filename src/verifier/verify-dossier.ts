import { isCanonical, type Json } from '../custody/ledger/canonical-json';
import { equal, toHex } from './bytes';
import { leafHash, sha256 } from './crypto';
import { NoteError, openNote, parseCheckpoint, parsePublicKey, verifyCosignature, type PublicKey } from './note';
import { verifyBundle, type ProofBundle } from './verify-bundle';
import { readZipDirectory, readZipEntry, ZIP_LIMITS, ZipError, type ZipEntry, type ZipLimits } from './zip-reader';

export const DOSSIER_FORMAT = 'custody-dossier/v1';

/** Where a dossier keeps an item's three files. */
export const dossierPaths = (code: string) => ({
  history: `items/${code}/history.pdf`,
  proof: `items/${code}/proof.json`,
  events: `items/${code}/events.jsonl`,
});

export interface DossierManifest {
  format: typeof DOSSIER_FORMAT;
  reportId: string;
  caseId: string;
  caseNumber: string;
  lang: string;
  generatedAt: string;
  generatedBy: string;
  logOrigin: string;
  checkpointSize: number;
  items: { id: string; code: string; events: number }[];
  files: { path: string; size: number; sha256: string }[];
}

export interface DossierCheck {
  ok: boolean;
  /** Every file that failed, and why; when the archive itself is refused, one finding for it. */
  failures: { file: string; detail: string }[];
  items: number;
  events: number;
  checkpoint?: { origin: string; size: number };
}

const ITEM_FILE = /^items\/([^/]+)\/(history\.pdf|proof\.json|events\.jsonl)$/;
const text = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks a case's dossier (卷宗) with nothing but the pinned keys: every entry's SHA-256 and size against
 * manifest.json, and no entry left out of it; every item's proof bundle (verifyBundle); every events file
 * against its bundle (each line's leaf hash is SHA-256(0x00 || canonical), the item's chain, the same events
 * as the bundle, so its last leaf is the bundle's); each history PDF present and naming its item's bundle;
 * the checkpoint signed by the log (and cosigned by every witness key given), covering every bundle. Goes on
 * past a failure, so that every failing file is named.
 */
export async function verifyDossier(
  zip: Uint8Array,
  logKey: PublicKey,
  witnessKeys: PublicKey[] = [],
  limits: ZipLimits = ZIP_LIMITS,
): Promise<DossierCheck> {
  const result: DossierCheck = { ok: false, failures: [], items: 0, events: 0 };
  const fail = (file: string, detail: string) => result.failures.push({ file, detail });
  let entries: Map<string, ZipEntry>;
  try {
    entries = new Map(readZipDirectory(zip, limits).map((e) => [e.name, e]));
  } catch (err) {
    if (!(err instanceof ZipError)) throw err;
    fail('(the archive)', `refused: ${err.message}`);
    return result;
  }
  const read = (name: string): Uint8Array | undefined => {
    const entry = entries.get(name);
    if (!entry) return undefined;
    try {
      return readZipEntry(zip, entry);
    } catch (err) {
      if (!(err instanceof ZipError)) throw err;
      fail(name, err.message);
      return undefined;
    }
  };
  const readJson = <T>(name: string): T | undefined => {
    const bytes = read(name);
    if (!bytes) {
      if (!entries.has(name)) fail(name, 'missing');
      return undefined;
    }
    try {
      return JSON.parse(text.decode(bytes)) as T;
    } catch {
      fail(name, 'not JSON');
      return undefined;
    }
  };

  // The manifest: every other entry listed, with its hash and size.
  const manifest = readJson<DossierManifest>('manifest.json');
  const listed = new Map((manifest?.files ?? []).map((f) => [f.path, f]));
  if (manifest && manifest.format !== DOSSIER_FORMAT) fail('manifest.json', `not a ${DOSSIER_FORMAT} manifest`);
  for (const name of entries.keys()) {
    if (name === 'manifest.json') continue;
    const file = listed.get(name);
    if (manifest && !file) fail(name, 'not listed in manifest.json: added to the dossier after it was made');
    if (!ITEM_FILE.test(name) && !['README.txt', 'log-key.json', 'checkpoint.json'].includes(name))
      fail(name, 'not a file a dossier holds');
    if (!file) continue;
    const bytes = read(name);
    if (!bytes) continue;
    if (bytes.length !== file.size || toHex(await sha256(bytes)) !== file.sha256)
      fail(name, 'its SHA-256 or size differs from manifest.json: the file was changed or swapped');
  }
  for (const path of listed.keys()) if (!entries.has(path)) fail(path, 'listed in manifest.json but missing');

  // The log's key as the dossier names it must be the pinned one; the checkpoint must be signed by it.
  const named = readJson<{ verifierKey?: string }>('log-key.json');
  if (named) {
    const key = await parsePublicKey(String(named.verifierKey)).catch(() => null);
    if (!key || key.name !== logKey.name || !equal(key.publicKey, logKey.publicKey))
      fail('log-key.json', `names another key than the pinned ${logKey.name} key: ${String(named.verifierKey)}`);
  }
  const checkpointFile = readJson<{ size?: number; note?: string }>('checkpoint.json');
  let checkpointSize = Infinity;
  if (checkpointFile) {
    try {
      const checkpoint = parseCheckpoint(await openNote(String(checkpointFile.note), logKey));
      if (checkpoint.origin !== logKey.name) throw new NoteError(`the checkpoint is for log ${checkpoint.origin}`);
      if (checkpoint.size !== checkpointFile.size) throw new NoteError('its size differs from the signed one');
      for (const witness of witnessKeys) await verifyCosignature(String(checkpointFile.note), witness);
      checkpointSize = checkpoint.size;
      result.checkpoint = { origin: checkpoint.origin, size: checkpoint.size };
    } catch (err) {
      fail('checkpoint.json', err instanceof Error ? err.message : String(err));
    }
  }

  // Each item: its bundle, its events against the bundle, its PDF.
  const codes = new Set<string>(manifest?.items?.map((i) => i.code) ?? []);
  for (const name of entries.keys()) {
    const match = ITEM_FILE.exec(name);
    if (match) codes.add(match[1]!);
  }
  for (const code of codes) {
    const paths = dossierPaths(code);
    result.items++;
    const bundle = readJson<ProofBundle>(paths.proof);
    let verified: ProofBundle | undefined;
    if (bundle) {
      const check = await verifyBundle(bundle, logKey, witnessKeys);
      const failed = check.steps.find((s) => !s.ok);
      if (!check.ok) fail(paths.proof, `${failed?.step ?? 'bundle'}: ${failed?.detail ?? 'does not verify'}`);
      else if (bundle.itemCode !== code) fail(paths.proof, `is the bundle of item ${bundle.itemCode}, not ${code}`);
      else if (bundle.inclusion.treeSize > checkpointSize)
        fail(
          paths.proof,
          `its checkpoint (${bundle.inclusion.treeSize}) is newer than the dossier's (${checkpointSize})`,
        );
      else verified = bundle;
    }
    const events = read(paths.events);
    if (!events) {
      if (!entries.has(paths.events)) fail(paths.events, 'missing');
    } else {
      const failure = await checkEvents(events, verified);
      if (failure) fail(paths.events, failure);
      else if (verified) result.events += verified.events.length;
    }
    const pdf = read(paths.history);
    if (!pdf) {
      if (!entries.has(paths.history)) fail(paths.history, 'missing');
    } else if (!includes(pdf.subarray(0, 5), '%PDF-')) fail(paths.history, 'not a PDF');
    else if (!includes(pdf, `(proof-${code}.json)`))
      fail(paths.history, `does not carry the bundle proof-${code}.json: not this item's report`);
  }
  if (codes.size === 0) fail('items/', 'the dossier holds no item');
  result.ok = result.failures.length === 0;
  return result;
}

/**
 * An events file against its item's verified bundle: every line `{index, leafHash, canonical}` with its leaf
 * hash recomputed, chained to the line before, and the same event as the bundle's at that place. Returns
 * what fails, or null.
 */
async function checkEvents(bytes: Uint8Array, bundle: ProofBundle | undefined): Promise<string | null> {
  let content: string;
  try {
    content = text.decode(bytes);
  } catch {
    return 'not UTF-8';
  }
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let previous: string | null = null;
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}`;
    let event: { index?: unknown; leafHash?: unknown; canonical?: unknown };
    let envelope: { itemSeq?: unknown; prevItemHash?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
      envelope = JSON.parse(String(event.canonical)) as typeof envelope;
    } catch {
      return `${where} is not an event as JSON`;
    }
    const canonical = String(event.canonical);
    if (!isCanonical(envelope as Json, canonical)) return `${where}: its event is not in canonical form`;
    const hash = toHex(await leafHash(canonical));
    if (hash !== event.leafHash)
      return `${where}: its leafHash is not SHA-256(0x00 || canonical): the event or its hash was changed`;
    if (envelope.itemSeq !== String(i + 1) || envelope.prevItemHash !== previous)
      return `${where} does not follow the line before it in the item's chain (itemSeq, prevItemHash)`;
    previous = hash;
    if (bundle) {
      const expected = bundle.events[i];
      if (!expected || expected.index !== event.index || expected.canonical !== canonical)
        return `${where} is not the bundle's event ${i + 1}`;
    }
  }
  if (!bundle) return lines.length ? null : 'holds no event';
  if (lines.length !== bundle.events.length)
    return `holds ${lines.length} events, the bundle ${bundle.events.length}: its last leaf is not the bundle's`;
  return null;
}

function includes(haystack: Uint8Array, needle: string): boolean {
  const bytes = new TextEncoder().encode(needle);
  outer: for (let at = haystack.indexOf(bytes[0]!); at >= 0; at = haystack.indexOf(bytes[0]!, at + 1)) {
    for (let k = 1; k < bytes.length; k++) if (haystack[at + k] !== bytes[k]) continue outer;
    return true;
  }
  return false;
}
