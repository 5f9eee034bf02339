import { createHash, randomInt } from 'node:crypto';
import os from 'node:os';
import { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { verifyBundle } from '../src/verifier/verify-bundle';
import { signCheckpoint } from '../src/custody/ledger/checkpoints';
import { findItemView } from '../src/custody/items/item-queries';
import { consistencyProof, inclusionProof } from '../src/custody/ledger/merkle';
import { ED25519, generateSignerKey, parseSignerKey } from '../src/custody/ledger/note';
import { buildProofBundle } from '../src/custody/ledger/proof-bundle';
import { ledgerRangeRoots } from '../src/custody/ledger/tree-store';
import { pooledSql } from '../src/custody/sql';
import { verifyLedger } from '../src/custody/ledger/verify/verify';
import type { Caller } from '../src/custody/directory/caller';
import { loadHistory } from '../src/reports/history-data';
import { renderHistory } from '../src/reports/history';
import { appendRounds, registerMany, type BenchDb } from './fixture';
import { time, type Figure } from './table';

const signing = { signer: parseSignerKey(generateSignerKey('bench.local/ledger', ED25519)), file: null, witnesses: [] };

const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/** Peak growth of JavaScript heap and buffer memory while `run` runs, sampled every 2 ms (after a GC). */
async function peakMemory<T>(run: () => Promise<T>): Promise<{ ms: number; mb: number; result: T }> {
  global.gc?.();
  const before = used();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, used())), 2);
  const { ms, result } = await time(run);
  clearInterval(sampler);
  peak = Math.max(peak, used());
  return { ms, mb: (peak - before) / 2 ** 20, result };
}

const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
const finished = (doc: PDFKit.PDFDocument) =>
  new Promise<void>((resolve) => {
    doc.pipe(sink()).on('finish', () => resolve());
  });

export async function benchLedger(db: BenchDb): Promise<Figure[]> {
  const figures: Figure[] = [];
  const em = () => db.orm.em.fork();
  const caller: Caller = {
    id: db.actor.id,
    username: 'bench',
    displayName: 'Bench',
    agencyId: db.actor.agencyId,
    agencyCode: 'BENCH',
    agencyKind: 'police',
    roles: ['inspector'],
  };

  process.stderr.write('bench: building histories of 100, 1,000 and 10,000 events…\n');
  let [a, b, c] = await registerMany(db, 3);
  [a, b, c] = await appendRounds(db, [a!, b!, c!], 99);
  [b, c] = await appendRounds(db, [b!, c!], 900);
  [c] = await appendRounds(db, [c!], 9000);
  process.stderr.write('bench: adding 1,000 items × 50 events…\n');
  await appendRounds(db, await registerMany(db, 1000), 49);
  await signCheckpoint(em(), signing);

  // History PDFs, against pdfkit writing the same number of plain text lines.
  for (const [item, events] of [
    [a!, 100],
    [b!, 1000],
    [c!, 10000],
  ] as const) {
    const view = await findItemView(em(), caller, item.code);
    const baseline = await time(async () => {
      const doc = new PDFDocument({ size: 'A4' });
      const done = finished(doc);
      for (let i = 0; i < events * 6; i++) doc.text(`line ${i} of the baseline`);
      doc.end();
      await done;
    });
    const render = () =>
      peakMemory(async () => {
        const data = await loadHistory(em(), view, signing, '/nonexistent');
        await finished(
          renderHistory({ data, lang: 'zh', reportId: 'bench', generatedAt: 'now', generatedBy: 'bench' }),
        );
      });
    // The median of three runs after a warm-up (one run for 10,000 events): a server has drawn reports before.
    if (events < 10000) await render();
    const runs = events < 10000 ? [await render(), await render(), await render()] : [await render()];
    const run = runs.sort((x, y) => x.ms - y.ms)[Math.floor(runs.length / 2)]!;
    figures.push({
      section: 'history PDF',
      name: `${events.toLocaleString('en')} events, load + verify + render (peak +${run.mb.toFixed(0)} MB heap)`,
      value: run.ms,
      unit: 'ms',
      baseline: { name: `pdfkit, ${(events * 6).toLocaleString('en')} plain lines`, value: baseline.ms },
      target: events === 1000 ? '< 500 ms' : events === 10000 ? '< 5,000 ms, < 100 MB' : undefined,
    });
  }

  // Whole-ledger verification, against SHA-256 over the same canonical bytes.
  const rows = await em().execute<{ canonical: string }[]>('select canonical from ledger_events order by idx');
  const hashing = await time(async () => {
    for (const row of rows) createHash('sha256').update('\0').update(row.canonical).digest();
  });
  // The median of three runs: the first in a process runs before this thread's code is optimized (a
  // server that has verified before has it so); the workers start afresh every time.
  const verifyRun = async (threads: number) => {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const run = await time(() => verifyLedger(em(), { logKey: signing.signer, threads }));
      if (!run.result.ok) throw new Error(`bench ledger does not verify: ${run.result.failure?.reason}`);
      runs.push(run.ms);
    }
    return runs.sort((x, y) => x - y)[1]!;
  };
  const workers = os.availableParallelism() - 1;
  for (const [how, threads] of [
    [`this thread and ${workers} worker thread${workers === 1 ? '' : 's'}`, workers],
    ['this thread only', 0],
  ] as const) {
    const ms = await verifyRun(threads);
    figures.push({
      section: 'ledger',
      name: `verify ${rows.length.toLocaleString('en')} events, ${how}, median of 3 (events/s)`,
      value: (rows.length / ms) * 1000,
      unit: 'ev/s',
      baseline: { name: 'bare SHA-256 of the same bytes', value: (rows.length / hashing.ms) * 1000 },
      target: threads === workers ? '≥ 100,000 ev/s' : undefined,
    });
  }

  // Proofs as the server serves them (a bare pooled connection, its statement prepared), against one
  // indexed row read made the same way, one of each in turn, so that the machine's load weighs on all alike.
  const size = rows.length;
  const probes = 1000;
  const bare = pooledSql(db.orm);
  const runs = {
    read: () => bare.execute('select leaf_hash from ledger_events where idx = ?', [randomInt(size)]),
    inclusion: () => inclusionProof(ledgerRangeRoots(bare), size, randomInt(size)),
    consistency: () => consistencyProof(ledgerRangeRoots(bare), randomInt(1, size + 1), size),
  };
  const spent = { read: 0, inclusion: 0, consistency: 0 };
  for (let i = 0; i < probes + 50; i++) {
    for (const what of ['read', 'inclusion', 'consistency'] as const) {
      const { ms } = await time(runs[what]);
      if (i >= 50) spent[what] += ms;
    }
  }
  for (const [what, proof] of [
    ['inclusion', 'inclusion proof of a random event'],
    ['consistency', 'consistency proof from a random size'],
  ] as const) {
    figures.push({
      section: 'proofs',
      name: `${proof} in a tree of ${size.toLocaleString('en')} (proofs/s)`,
      value: (probes / spent[what]) * 1000,
      unit: '/s',
      baseline: { name: 'one indexed row read', value: (probes / spent.read) * 1000 },
      target: '≥ 2,000/s, ≥ 0.5×',
    });
  }
  // Checkpoint signing after each of 20 appends: the consistency check with the last checkpoint, the
  // signature, the row. The scale bench has the same at its sizes.
  let [signed] = await registerMany(db, 1);
  const signings: number[] = [];
  for (let i = 0; i < 20; i++) {
    [signed] = await appendRounds(db, [signed!], 1);
    signings.push((await time(() => signCheckpoint(em(), signing))).ms);
  }
  figures.push({
    section: 'proofs',
    name: `checkpoint signing with its consistency check, median of 20 (ms)`,
    value: signings.sort((x, y) => x - y)[10]!,
    unit: 'ms',
    target: "flat in the log's size",
  });
  const bundle = await buildProofBundle(em(), await findItemView(em(), caller, a!.code), signing);
  const bundleBytes = bundle.events.map((e) => e.canonical);
  const checks = await time(async () => {
    for (let i = 0; i < 200; i++)
      if (!(await verifyBundle(bundle, signing.signer)).ok) throw new Error('bundle does not verify');
  });
  const bareBundle = await time(async () => {
    for (let i = 0; i < 200; i++)
      for (const bytes of bundleBytes) createHash('sha256').update('\0').update(bytes).digest();
  });
  figures.push({
    section: 'proofs',
    name: 'offline check of a 100-event bundle (bundles/s)',
    value: (200 / checks.ms) * 1000,
    unit: '/s',
    baseline: { name: 'bare SHA-256 of its events', value: (200 / bareBundle.ms) * 1000 },
  });
  return figures;
}
