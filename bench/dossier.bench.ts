import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import type { Caller } from '../src/custody/directory/caller';
import { searchItems } from '../src/custody/items/item-queries';
import { ED25519, generateSignerKey, parseSignerKey } from '../src/custody/ledger/note';
import { caseDossier, writeDossier } from '../src/reports/dossier';
import { reportFrame } from '../src/reports/report-access';
import { appendRounds, registerMany, type BenchDb } from './fixture';
import { time, type Figure } from './table';

const ITEMS = 1000;

/**
 * A case of 1,000 items (each registered, then held and released: 3 events) exported as its dossier, as
 * GET /cases/{id}/dossier.zip streams it (each history read, its PDF drawn, its bundle built and the zip
 * written); beside zipping the same files' bytes with fflate alone (the PDFs stored, the rest deflated).
 */
export async function benchDossier(db: BenchDb): Promise<Figure[]> {
  const caseId = randomUUID();
  await db.orm.em
    .fork()
    .execute(
      `insert into cases (id, agency_id, case_number, title, opened_on, created_by) values (?, ?, ?, 'Dossier bench', '2026-01-01', ?)`,
      [caseId, db.actor.agencyId, `BENCH-DOSSIER-${caseId.slice(0, 8)}`, db.actor.id],
    );
  const own = { ...db, caseId };
  await appendRounds(own, await registerMany(own, ITEMS), 2);
  const [agency] = await db.orm.em
    .fork()
    .execute<{ code: string }[]>('select code from agencies where id = ?', [db.actor.agencyId]);
  const caller: Caller = {
    id: db.actor.id,
    username: 'bench',
    displayName: 'Bench',
    agencyId: db.actor.agencyId,
    agencyCode: agency!.code,
    agencyKind: 'police',
    roles: ['officer'],
  };
  const ledger = { signer: parseSignerKey(generateSignerKey('bench/ledger', ED25519)), file: null, witnesses: [] };
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const exported = await time(async () => {
    const em = db.orm.em.fork();
    const { items } = await searchItems(em, caller, { caseId, sort: 'itemNo', order: 'asc', limit: 10_000, offset: 0 });
    const source = await caseDossier({
      primary: em,
      replica: em,
      ledger,
      attachmentsDir: '/nonexistent',
      frame: reportFrame(randomUUID(), caller, 'zh'),
      case: { id: caseId, caseNumber: 'BENCH-DOSSIER' },
      items,
    });
    await writeDossier(source, sink);
  });
  const zip = Buffer.concat(chunks);
  const files = unzipSync(zip);
  const zippable: Zippable = Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [name, [bytes, { level: name.endsWith('.pdf') ? 0 : 6 }]]),
  );
  const zipped = await time(async () => zipSync(zippable));
  return [
    {
      section: 'dossier',
      name: `${ITEMS.toLocaleString('en')}-item dossier exported (${Object.keys(files).length} files, ${(zip.length / 2 ** 20).toFixed(1)} MiB)`,
      value: exported.ms,
      unit: 'ms',
      baseline: { name: 'the same files zipped by fflate alone', value: zipped.ms },
    },
  ];
}
