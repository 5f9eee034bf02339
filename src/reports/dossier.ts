import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Zip, ZipDeflate, ZipPassThrough, strToU8 } from 'fflate';
import type { EntityManager } from '@mikro-orm/postgresql';
import { latestCheckpoint, type CheckpointSigner } from '../custody/ledger/checkpoints';
import { historyReader } from '../custody/ledger/history-reader';
import { leafHash } from '../custody/ledger/merkle';
import { formatVerifierKey, type VerifierKey } from '../custody/ledger/note';
import type { ItemView } from '../custody/items/item-queries';
import { DOSSIER_FORMAT, dossierPaths, type DossierManifest } from '../verifier/verify-dossier';
import { loadHistory, loadNames, type HistoryData } from './history-data';
import { renderHistory } from './history';
import type { Lang } from './i18n';

/** A zip without ZIP64 (which fflate does not write) holds 65,535 entries: three an item, and four more. */
export const MAX_DOSSIER_ITEMS = 20_000;

/** What a case's dossier (卷宗) is made of; the items are those the caller may see, in item-number order. */
export interface DossierSource {
  reportId: string;
  caseId: string;
  caseNumber: string;
  lang: Lang;
  generatedAt: string;
  generatedBy: string;
  /** The log's key as GET /ledger/key answers it. */
  logKey: { origin: string; verifierKey: string; witnesses: string[] };
  items: ItemView[];
  /** One item's history and proof bundle, read when its turn comes (so only one is held at a time). */
  history(item: ItemView): Promise<HistoryData>;
  /** The latest signed checkpoint with its cosignatures, read after every bundle (so it covers them all). */
  latestCheckpoint(): Promise<{ size: number; root: string; note: string; createdAt: string }>;
}

/**
 * The dossier of a case's items as read for one caller: the items as read on the primary (each history is
 * then read where it is at least as new, see historyReader), the names once for them all.
 */
export async function caseDossier(options: {
  primary: EntityManager;
  replica: EntityManager;
  ledger: CheckpointSigner & { witnesses: VerifierKey[] };
  attachmentsDir: string;
  frame: Pick<DossierSource, 'reportId' | 'lang' | 'generatedAt' | 'generatedBy'>;
  case: { id: string; caseNumber: string };
  items: ItemView[];
}): Promise<DossierSource> {
  const { primary, replica, ledger, attachmentsDir, items } = options;
  const names = await loadNames(replica);
  return {
    ...options.frame,
    caseId: options.case.id,
    caseNumber: options.case.caseNumber,
    logKey: {
      origin: ledger.signer.name,
      verifierKey: formatVerifierKey(ledger.signer),
      witnesses: ledger.witnesses.map(formatVerifierKey),
    },
    items,
    history: async (item) =>
      loadHistory(await historyReader(primary, replica, item), item, ledger, attachmentsDir, names),
    latestCheckpoint: async () => {
      const latest = await latestCheckpoint(primary);
      if (!latest) throw new Error('no checkpoint after the bundles were built');
      return {
        size: latest.size,
        root: latest.root.toString('base64'),
        note: latest.note,
        createdAt: latest.createdAt,
      };
    },
  };
}

const README = (source: DossierSource) => `卷宗 · Custody dossier
案件 Case: ${source.caseNumber}
报告编号 Report id: ${source.reportId}
生成 Generated: ${source.generatedAt}, ${source.generatedBy}

内容
  items/<财物编码>/history.pdf    保管链报告（附证明包）
  items/<财物编码>/proof.json     证明包：事件、签名检查点、包含证明
  items/<财物编码>/events.jsonl   事件，每行一条：序号 index、叶哈希 leafHash、规范 JSON canonical
  log-key.json                   账本的公钥（verifierKey）与见证人公钥
  checkpoint.json                生成时最新的签名检查点及见证人副署
  manifest.json                  每个文件的 SHA-256 和大小
核验（离线，无需联网）：先从可信渠道取得账本公钥（不要只信本卷宗里的 log-key.json），再运行
  npm run verify -- dossier.zip --log-key <公钥> [--witness-key <见证人公钥> …]
它逐一核验每个证明包、每个事件文件与证明包是否一致、检查点签名和 manifest.json 中的哈希，
并指出哪个文件、因何未通过。本卷宗只含导出人有权查看的财物；它证明所含每件财物的历史完整未改，
不能证明没有遗漏其他财物。

Contents
  items/<item code>/history.pdf    the custody history report (with its proof bundle attached)
  items/<item code>/proof.json     the proof bundle: events, signed checkpoint, inclusion proof
  items/<item code>/events.jsonl   the events, one a line: index, leafHash, canonical JSON
  log-key.json                     the log's public key (verifierKey) and its witnesses' keys
  checkpoint.json                  the latest signed checkpoint at export, with its cosignatures
  manifest.json                    the SHA-256 and size of every file
To check it (offline): take the log's key from a source you trust (not only log-key.json in here), then run
  npm run verify -- dossier.zip --log-key <key> [--witness-key <witness key> ...]
It checks every proof bundle, every events file against its bundle, the checkpoint's signature and the
hashes in manifest.json, and names each file that fails and why. The dossier holds only the items its
exporter may see; it proves each history it holds complete and unaltered, not that no other item exists.
`;

/** Resolves when the stream can take more, or is gone. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

async function pdfBytes(doc: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of doc) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Streams the dossier as a zip to `out`: one item at a time (its PDF drawn, its bundle and events written,
 * then let go), waiting whenever `out` is full. PDFs are stored as they are (pdfkit has compressed them), the
 * JSON deflated. manifest.json comes last, with every other file's SHA-256. Returns false if `out` closed
 * before the end (the client went away), true when the whole zip was written.
 */
export async function writeDossier(source: DossierSource, out: Writable): Promise<boolean> {
  // Gone: the client closed the connection (or the stream was destroyed); nothing more is written or awaited.
  let gone = out.destroyed;
  out.once('close', () => (gone = true));
  let failure: Error | null = null;
  const zip = new Zip((err, chunk, final) => {
    if (err) failure = err;
    else if (!gone) {
      out.write(chunk);
      if (final) out.end();
    }
  });
  const mtime = new Date();
  const files: DossierManifest['files'] = [];
  const add = async (path: string, bytes: Uint8Array, deflate: boolean) => {
    const file = deflate ? new ZipDeflate(path, { level: 6 }) : new ZipPassThrough(path);
    file.mtime = mtime;
    zip.add(file);
    file.push(bytes, true);
    files.push({ path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    if (failure) throw failure;
    if (out.writableNeedDrain && !gone) await drained(out);
  };
  const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 1)}\n`);
  // The bundle exactly as GET /items/{code}/proof answers it.
  const compact = (value: unknown) => strToU8(JSON.stringify(value));

  await add('README.txt', strToU8(README(source)), true);
  await add('log-key.json', json(source.logKey), true);
  const items: DossierManifest['items'] = [];
  for (const item of source.items) {
    if (gone) {
      zip.terminate();
      return false;
    }
    const data = await source.history(item);
    const paths = dossierPaths(item.code);
    const pdf = await pdfBytes(
      renderHistory({
        data,
        reportId: source.reportId,
        lang: source.lang,
        generatedAt: source.generatedAt,
        generatedBy: source.generatedBy,
      }),
    );
    await add(paths.history, pdf, false);
    await add(paths.proof, compact(data.bundle), true);
    const lines = data.bundle.events.map(
      (e) =>
        `${JSON.stringify({ index: e.index, leafHash: leafHash(e.canonical).toString('hex'), canonical: e.canonical })}\n`,
    );
    await add(paths.events, strToU8(lines.join('')), true);
    items.push({ id: item.id, code: item.code, events: data.bundle.events.length });
  }
  const checkpoint = await source.latestCheckpoint();
  await add('checkpoint.json', json(checkpoint), true);
  const manifest: DossierManifest = {
    format: DOSSIER_FORMAT,
    reportId: source.reportId,
    caseId: source.caseId,
    caseNumber: source.caseNumber,
    lang: source.lang,
    generatedAt: source.generatedAt,
    generatedBy: source.generatedBy,
    logOrigin: source.logKey.origin,
    checkpointSize: checkpoint.size,
    items,
    files,
  };
  const manifestFile = new ZipDeflate('manifest.json', { level: 6 });
  manifestFile.mtime = mtime;
  zip.add(manifestFile);
  manifestFile.push(json(manifest), true);
  zip.end();
  if (failure) throw failure;
  return !gone || out.writableFinished;
}
