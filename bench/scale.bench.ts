import { createHash } from 'node:crypto';
import { ED25519, generateSignerKey, parseSignerKey } from '../src/custody/ledger/note';
import { verifyLedger } from '../src/custody/ledger/verify/verify';
import type { BenchDb } from './fixture';
import { generateCentre } from './scale/generate';
import { time, type Figure } from './table';

const signer = parseSignerKey(generateSignerKey('bench.local/scale', ED25519));

/** Events of the sample the load baseline copies: enough to be steady, and no more disk than that at 10M. */
const COPY_SAMPLE = 1_000_000;
/** Events a read of the hashing baseline fetches: its memory stays small whatever the centre's size. */
const HASH_BATCH = 50_000;

/**
 * Issue 18's centre at scale, of `items` items built straight into PostgreSQL by bench/scale/generate.ts in
 * a database of its own: how fast it is built, how long a full verification of it takes, and how much disk
 * it takes per million events.
 */
export async function benchScale(db: BenchDb, items: number): Promise<Figure[]> {
  const em = () => db.orm.em.fork();
  const centre = await generateCentre(db.orm, { items, seed: 1, signer });
  const events = centre.events;
  const label = `${centre.items.toLocaleString('en')} items, ${events.toLocaleString('en')} events`;

  // Sizes first, before the load baseline's table comes and goes.
  const [size] = await em().execute<{ total: string; ledger: string; canonical: string }[]>(
    `select pg_database_size(current_database()) as total, pg_total_relation_size('ledger_events') as ledger,
            (select sum(octet_length(canonical)) from ledger_events) as canonical`,
  );
  const perMillion = (bytes: string) => ((Number(bytes) / events) * 1e6) / 2 ** 30;

  // What PostgreSQL alone takes to store those events again, with the same indexes: the floor of any load.
  const sample = Math.min(events, COPY_SAMPLE);
  const copied = await em().transactional(async (tx) => {
    await tx.execute('create temporary table events_again (like ledger_events including indexes) on commit drop');
    return time(() => tx.execute('insert into events_again select * from ledger_events where idx < ?', [sample]));
  });

  const verified = await time(() => verifyLedger(em(), { logKey: signer }));
  if (!verified.result.ok) throw new Error(`the generated centre does not verify: ${verified.result.failure?.reason}`);
  let hashingMs = 0;
  for (let from = 0; from < events; from += HASH_BATCH) {
    const rows = await em().execute<{ canonical: string }[]>(
      'select canonical from ledger_events where idx >= ? and idx < ? order by idx',
      [from, from + HASH_BATCH],
    );
    hashingMs += (
      await time(async () => {
        for (const row of rows) createHash('sha256').update('\0').update(row.canonical).digest();
      })
    ).ms;
  }

  return [
    {
      section: 'scale',
      name: `generate a centre of ${label}, ${centre.seconds.toFixed(1)} s (events/s)`,
      value: events / centre.seconds,
      unit: 'ev/s',
      baseline: {
        name: `PostgreSQL storing ${sample.toLocaleString('en')} of them again`,
        value: (sample / copied.ms) * 1000,
      },
    },
    {
      section: 'scale',
      name: `full verification of ${label}, ${(verified.ms / 1000).toFixed(1)} s (events/s)`,
      value: (events / verified.ms) * 1000,
      unit: 'ev/s',
      baseline: { name: 'bare SHA-256 of the same bytes', value: (events / hashingMs) * 1000 },
      target: '≥ 0.4× bare SHA-256',
    },
    {
      section: 'scale',
      name: `database size per million events (ledger_events alone ${perMillion(size!.ledger).toFixed(2)} GiB)`,
      value: perMillion(size!.total),
      unit: 'GiB',
      baseline: { name: 'canonical JSON bytes alone', value: perMillion(size!.canonical) },
      target: '≤ 1.2 GiB',
    },
  ];
}
