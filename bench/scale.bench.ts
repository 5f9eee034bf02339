import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { initOrm } from '../src/orm';
import { issueToken } from '../src/api/auth';
import { lockItems } from '../src/custody/ledger/append';
import type { ItemState } from '../src/custody/items/projection';
import { signCheckpoint } from '../src/custody/ledger/checkpoints';
import { consistencyProof, inclusionProof } from '../src/custody/ledger/merkle';
import { parseSignerKey, type VerifierKey } from '../src/custody/ledger/note';
import { createLocation } from '../src/custody/directory/locations';
import { ledgerRangeRoots } from '../src/custody/ledger/tree-store';
import { pooledSql } from '../src/custody/sql';
import { runVerification } from '../src/custody/ledger/verify/record';
import { verifyLedger } from '../src/custody/ledger/verify/verify';
import { startServer } from '../tests/server-process';
import { closedLoop, post, rawBaselines, residentMiB } from './commands.bench';
import { appendRounds, freePort, percentile, receive, registerMany } from './fixture';
import type { ScaleDb } from './scale/cluster';
import { generateCentre, type GeneratedCentre } from './scale/generate';
import { completeStoredTree } from './scale/complete-tree';
import { SEARCHES } from './scale/searches';
import { time, type Figure } from './table';

const run = promisify(execFile);

/** Events of the sample the load baseline copies: enough to be steady, and no more disk than that at 10M. */
const COPY_SAMPLE = 1_000_000;
/** Events a read of the hashing baseline fetches: its memory stays small whatever the centre's size. */
const HASH_BATCH = 50_000;
/** Times each search, each item read and the dashboard are asked, after one untimed warm-up. */
const ROUNDS = 5;
const PROBES = 1000;
/** Events added for the incremental verification and the checkpoint signing: the same at every size. */
const NEW_EVENTS = 5000;

/**
 * Issue 18's centre at scale, of `items` items built straight into PostgreSQL by bench/scale/generate.ts (or
 * kept from an earlier run), and every cost the issue asks about measured on it, with the real server process
 * for what a user asks through HTTP. The figures' names carry no size, so that the runs at two sizes line
 * up in one table (bench/table.ts's printSideBySide).
 */
export async function benchScale(db: ScaleDb, items: number): Promise<Figure[]> {
  const em = () => db.orm.em.fork();
  const signer = parseSignerKey(db.ledgerKey);
  const logKey: VerifierKey = signer;
  const centre = db.kept ?? (await generateCentre(db.orm, { items, seed: 1, signer }));
  db.keep(centre);
  const figures: Figure[] = [];
  const add = (figure: Omit<Figure, 'section'>) => figures.push({ section: 'scale', ...figure });
  const progress = (what: string) => process.stderr.write(`scale (${items.toLocaleString('en')}): ${what}…\n`);

  // Sizes first, before the bench adds anything.
  const [size] = await em().execute<{ total: string; events: string; ledger: string; canonical: string }[]>(
    `select pg_database_size(current_database()) as total, pg_total_relation_size('ledger_events') as ledger,
            (select size from ledger_head) as events,
            (select sum(octet_length(canonical)) from ledger_events) as canonical`,
  );
  const events = Number(size!.events);
  const perMillion = (bytes: string) => ((Number(bytes) / events) * 1e6) / 2 ** 30;
  add({
    name: 'database size per million events (GiB)',
    value: perMillion(size!.total),
    unit: 'GiB',
    baseline: { name: 'canonical JSON bytes alone', value: perMillion(size!.canonical) },
    target: '≤ 1.2 GiB',
  });

  progress('the load baseline');
  const sample = Math.min(events, COPY_SAMPLE);
  const copied = await em().transactional(async (tx) => {
    await tx.execute('create temporary table events_again (like ledger_events including indexes) on commit drop');
    return time(() => tx.execute('insert into events_again select * from ledger_events where idx < ?', [sample]));
  });
  add({
    name: 'generation (events/s)',
    value: centre.events / centre.seconds,
    unit: 'ev/s',
    baseline: {
      name: `PostgreSQL storing up to ${COPY_SAMPLE.toLocaleString('en')} of them again`,
      value: (sample / copied.ms) * 1000,
    },
  });

  progress('the full verification');
  const verified = await time(() => runVerification(em(), { from: 'all', trigger: 'request', logKey }));
  if (!verified.result.ok) throw new Error(`the centre does not verify: ${verified.result.failure?.reason}`);
  const hashingMs = await bareHashing(db, events);
  add({
    name: 'full verification (events/s)',
    value: (events / verified.ms) * 1000,
    unit: 'ev/s',
    baseline: { name: 'bare SHA-256 of the same bytes', value: (events / hashingMs) * 1000 },
    target: '≥ 0.4× bare SHA-256',
  });
  add({ name: 'full verification (s)', value: verified.ms / 1000, unit: 's' });

  progress('proofs');
  const completed = await completeStoredTree(db.orm);
  if (completed) progress(`(${completed.toLocaleString('en')} stored nodes below 256 events added first)`);
  figures.push(...(await proofs(db, events)));

  progress('the server');
  figures.push(...(await throughTheServer(db, centre)));

  progress('checkpoints and the incremental verification');
  figures.push(...(await growth(db, logKey, verified.ms / events)));

  progress('pg_dump and pg_restore');
  figures.push(...(await dumpAndRestore(db, logKey)));
  return figures;
}

/** Bare SHA-256 of every event's canonical bytes as a leaf hash takes them, read in batches first (untimed). */
async function bareHashing(db: ScaleDb, events: number): Promise<number> {
  let ms = 0;
  for (let from = 0; from < events; from += HASH_BATCH) {
    const rows = await db.orm.em
      .fork()
      .execute<{ canonical: string }[]>('select canonical from ledger_events where idx >= ? and idx < ? order by idx', [
        from,
        from + HASH_BATCH,
      ]);
    ms += (
      await time(async () => {
        for (const row of rows) createHash('sha256').update('\0').update(row.canonical).digest();
      })
    ).ms;
  }
  return ms;
}

/** How many times a second `op` runs, over PROBES runs or 10 s, whichever ends first. */
async function rate(op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let runs = 0;
  while (runs < PROBES && performance.now() - started < 10_000) {
    await op();
    runs++;
  }
  return (runs / (performance.now() - started)) * 1000;
}

/** Inclusion and consistency proofs at random points of the whole log, against one indexed row read each. */
async function proofs(db: ScaleDb, size: number): Promise<Figure[]> {
  // As the server serves proofs and reads a row: on a bare pooled connection, without the ORM's work.
  const sql = pooledSql(db.orm);
  const rowRead = {
    name: 'one indexed row read',
    value: await rate(() => sql.execute('select leaf_hash from ledger_events where idx = ?', [randomInt(size)])),
  };
  const inclusion = () => inclusionProof(ledgerRangeRoots(sql), size, randomInt(size));
  // The first proofs compute whatever nodes the tree lacks; what is measured is a tree in use.
  for (let i = 0; i < 3; i++) await inclusion();
  const target = '≥ 2,000/s and ≥ 0.5× a row read';
  return [
    {
      section: 'scale',
      name: 'inclusion proofs (proofs/s)',
      value: await rate(inclusion),
      unit: '/s',
      baseline: rowRead,
      target,
    },
    {
      section: 'scale',
      name: 'consistency proofs (proofs/s)',
      value: await rate(() => consistencyProof(ledgerRangeRoots(sql), 1 + randomInt(size), size)),
      unit: '/s',
      baseline: rowRead,
      target,
    },
  ];
}

/** A user's bearer token, issued as the server would (the bench shares its JWT secret). */
async function tokenOf(db: ScaleDb, secret: string, where: string): Promise<string> {
  const [user] = await db.orm.em
    .fork()
    .execute<{ id: string; token_version: number }[]>(
      `select id, token_version from users where ${where} order by username limit 1`,
    );
  if (!user) throw new Error(`the centre has no user ${where}`);
  return issueToken({ secret, ttlSeconds: 3600 }, { id: user.id, tokenVersion: user.token_version }).accessToken;
}

/** The query string of an item search as the console sends it. */
const searchPath = (filters: Record<string, unknown>) =>
  `/api/v1/items?${new URLSearchParams(
    Object.entries({ limit: 50, ...filters }).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString()}`;

/**
 * What users ask of the real server on this centre: every search of the console, an item with its events
 * page and 100-event history PDF, the dashboard, commands at 16 clients; and the server's peak memory.
 */
async function throughTheServer(db: ScaleDb, centre: GeneratedCentre): Promise<Figure[]> {
  const em = () => db.orm.em.fork();
  const secret = randomBytes(32).toString('hex');
  const keeper = await commandKeeper(db);
  const tokens = {
    warehouse: await tokenOf(db, secret, `'warehouse' = any(roles) and username like 'sc-%'`),
    officer: await tokenOf(db, secret, `'officer' = any(roles) and username like 'sc-p%'`),
    keeper: issueToken({ secret, ttlSeconds: 3600 }, { id: keeper, tokenVersion: 0 }).accessToken,
  };
  // One item with 100 events or more, as a long-kept exhibit has: its history is what the PDF prints.
  const [item] = await lockItems(em(), [centre.sample.itemCode]);
  if (!item) throw new Error(`the centre has no item ${centre.sample.itemCode}`);
  if (item.lastSeq < 100) await appendRounds(db, [item], 100 - item.lastSeq);

  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-scale-server-'));
  const server = startServer({
    DATABASE_URL: db.url,
    DATABASE_OWNER_URL: db.ownerUrl,
    JWT_SECRET: secret,
    CUSTODY_LEDGER_KEY: db.ledgerKey,
    CUSTODY_DATA_DIR: dataDir,
    PORT: String(port),
    MQTT_PORT: '0',
    VERIFY_INTERVAL_SECONDS: '0',
    DB_POOL_MAX: '20',
  });
  const figures: Figure[] = [];
  const add = (figure: Omit<Figure, 'section'>) => figures.push({ section: 'scale', ...figure });
  try {
    await server.ready(port, 600_000);
    const get = async (urlPath: string, token: string): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${urlPath}: HTTP ${res.status}`);
      return performance.now() - started;
    };
    const timed = async (urlPath: string, token: string): Promise<number[]> => {
      await get(urlPath, token);
      const ms: number[] = [];
      for (let i = 0; i < ROUNDS; i++) ms.push(await get(urlPath, token));
      return ms;
    };

    const searches: number[] = [];
    const slowest: [string, number][] = [];
    for (const who of ['warehouse', 'officer'] as const)
      for (const [name, filters] of SEARCHES) {
        const ms = await timed(searchPath(filters(centre.sample)), tokens[who]);
        searches.push(...ms);
        slowest.push([`${name} (${who})`, Math.max(...ms)]);
      }
    searches.sort((a, b) => a - b);
    // Which searches make the p99, for whoever reads the run.
    for (const [name, ms] of slowest.sort((a, b) => b[1] - a[1]).slice(0, 3))
      process.stderr.write(`scale: slowest search: ${name}, ${ms.toFixed(1)} ms\n`);
    const rowRead = await indexedRead(db, centre.sample.itemCode);
    for (const p of [50, 99] as const)
      add({
        name: `item search p${p} (${SEARCHES.length} searches × warehouse and officer × ${ROUNDS})`,
        value: percentile(searches, p),
        unit: 'ms',
        baseline: { name: `an item's row by its code, bare pg, p${p}`, value: percentile(rowRead, p) },
        target: p === 99 ? '≤ 50 ms, ≤ 2× the small centre' : undefined,
      });

    const median = (ms: number[]) =>
      percentile(
        ms.sort((a, b) => a - b),
        50,
      );
    const code = centre.sample.itemCode;
    add({
      name: 'an item (GET /items/{code}), p50',
      value: median(await timed(`/api/v1/items/${code}`, tokens.warehouse)),
      unit: 'ms',
      target: 'as at the small centre',
    });
    add({
      name: 'its events page, p50',
      value: median(await timed(`/api/v1/items/${code}/events?limit=100`, tokens.warehouse)),
      unit: 'ms',
      target: 'as at the small centre',
    });
    add({
      name: 'its history PDF (100 events and more), p50',
      value: median(await timed(`/api/v1/items/${code}/history.pdf`, tokens.warehouse)),
      unit: 'ms',
      target: 'as at the small centre',
    });
    for (const who of ['warehouse', 'officer'] as const)
      add({
        name: `the dashboard's counts (GET /dashboard), ${who}, p50`,
        value: median(await timed('/api/v1/dashboard', tokens[who])),
        unit: 'ms',
        target: '≤ 50 ms',
      });

    figures.push(await commandsAt16(db, port, tokens.keeper));
    add({
      name: 'server resident memory, peak over all of the above',
      value: residentMiB(server.child.pid!).peak,
      unit: 'MiB',
      target: 'the same at both sizes',
    });
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

/** Latencies of the plainest read there is, an item's row by its unique code over a bare connection. */
async function indexedRead(db: ScaleDb, code: string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < 200; i++)
    ms.push((await time(() => db.orm.em.fork().execute('select * from items where code = ?', [code]))).ms);
  return ms.sort((a, b) => a - b);
}

/** A warehouse keeper of the bench's agency and two shelves for the commands, made once per centre. */
async function commandKeeper(db: ScaleDb): Promise<string> {
  const em = db.orm.em.fork();
  const [keeper] = await em.execute<{ id: string }[]>(
    `insert into users (id, username, display_name, agency_id, roles, password_hash)
     values (gen_random_uuid(), 'bench-commands', 'Bench keeper', ?, '{warehouse}', 'x')
     on conflict (username) do update set username = excluded.username returning id`,
    [db.actor.agencyId],
  );
  const [site] = await em.execute(`select 1 from locations where code = 'CMD-SITE'`);
  if (!site) {
    await createLocation(em, { code: 'CMD-SITE', name: 'Bench', kind: 'site' });
    for (const code of ['CMD-A', 'CMD-B'])
      await createLocation(em, { code, name: code, kind: 'shelf', parentCode: 'CMD-SITE' });
  }
  return keeper!.id;
}

/** Check-in and move commands from 16 clients for 5 s, each client on 50 items of its own. */
async function commandsAt16(db: ScaleDb, port: number, token: string): Promise<Figure> {
  const clients = 16;
  const own: ItemState[][] = [];
  for (let c = 0; c < clients; c++) own.push(await receive(db, await registerMany(db, 50)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const failures: number[] = [];
    const loop = await closedLoop(clients, 5, async (client, n) => {
      const item = own[client]![n % 50]!;
      const round = Math.floor(n / 50);
      const status =
        round === 0
          ? await post(agent, port, token, `/api/v1/items/${item.code}/check-in`, { locationCode: 'CMD-A' })
          : await post(agent, port, token, `/api/v1/items/${item.code}/move`, {
              locationCode: round % 2 ? 'CMD-B' : 'CMD-A',
              note: 'rearranged',
            });
      if (status !== 200) failures.push(status);
    });
    if (failures.length) throw new Error(`${failures.length} commands failed, e.g. HTTP ${failures[0]}`);
    const raw = await rawBaselines(db.ownerUrl, clients);
    return {
      section: 'scale',
      name: 'check-in/move through HTTP, 16 clients (commands/s)',
      value: loop.perSecond,
      unit: '/s',
      baseline: { name: 'raw head-row update+insert', value: raw.serialized.perSecond },
      target: 'within 10% of the small centre',
    };
  } finally {
    agent.destroy();
  }
}

/**
 * As the log grows by the same number of events at either size: signing a checkpoint with its consistency
 * check, and verifying from the last verified checkpoint, which must cost what the new events cost.
 */
async function growth(db: ScaleDb, logKey: VerifierKey, fullMsPerEvent: number): Promise<Figure[]> {
  const em = () => db.orm.em.fork();
  const signing = { signer: parseSignerKey(db.ledgerKey), file: null };
  const items = await receive(db, await registerMany(db, NEW_EVENTS / 10));
  const signed: number[] = [];
  let current = items;
  // Nine more rounds of one event per item: a checkpoint signed after each.
  for (let round = 0; round < 9; round++) {
    current = await appendRounds(db, current, 1);
    signed.push((await time(() => signCheckpoint(em(), signing))).ms);
  }
  const incremental = await time(() => runVerification(em(), { from: 'last', trigger: 'request', logKey }));
  if (!incremental.result.ok)
    throw new Error(`the incremental verification failed: ${incremental.result.failure?.reason}`);
  const added = incremental.result.size - (incremental.result.since ?? 0);
  return [
    {
      section: 'scale',
      name: 'checkpoint signing with its consistency check, median (ms)',
      value: percentile(
        signed.sort((a, b) => a - b),
        50,
      ),
      unit: 'ms',
      target: 'flat in the log’s size',
    },
    {
      section: 'scale',
      name: 'incremental verification from the last verified checkpoint, per new event (µs)',
      value: (incremental.ms * 1000) / added,
      unit: 'µs',
      baseline: { name: 'the full verification, per event', value: fullMsPerEvent * 1000 },
      target: 'as at the small centre',
    },
  ];
}

/** The whole centre dumped with pg_dump, restored into a database of its own, and verified there. */
async function dumpAndRestore(db: ScaleDb, logKey: VerifierKey): Promise<Figure[]> {
  const bin = (await run('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'])).stdout.trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-scale-dump-'));
  const restoredUrl = new URL(db.ownerUrl);
  restoredUrl.pathname = '/custody_restored';
  const jobs = String(os.cpus().length);
  try {
    await run(`${bin}/psql`, [db.superUrl, '-qc', 'drop database if exists custody_restored']);
    const dumped = await time(() => run(`${bin}/pg_dump`, ['-Fd', '-j', jobs, '-f', `${dir}/dump`, db.ownerUrl]));
    const bytes = Number((await run('du', ['-sb', `${dir}/dump`])).stdout.split('\t')[0]);
    await run(`${bin}/psql`, [db.superUrl, '-qc', 'create database custody_restored']);
    const restored = await time(() =>
      run(`${bin}/pg_restore`, ['-j', jobs, '-d', restoredUrl.toString(), `${dir}/dump`], { maxBuffer: 1 << 26 }),
    );
    const orm = await initOrm({ url: restoredUrl.toString(), poolMax: 4 });
    try {
      const verified = await time(() => verifyLedger(orm.em.fork(), { logKey }));
      if (!verified.result.ok)
        throw new Error(`the restored centre does not verify: ${verified.result.failure?.reason}`);
      return [
        { section: 'scale', name: `pg_dump, directory format, ${jobs} jobs (s)`, value: dumped.ms / 1000, unit: 's' },
        { section: 'scale', name: 'the dump’s size (GiB)', value: bytes / 2 ** 30, unit: 'GiB' },
        { section: 'scale', name: `pg_restore, ${jobs} jobs (s)`, value: restored.ms / 1000, unit: 's' },
        {
          section: 'scale',
          name: 'full verification of the restored centre (s)',
          value: verified.ms / 1000,
          unit: 's',
        },
      ];
    } finally {
      await orm.close(true);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await run(`${bin}/psql`, [db.superUrl, '-qc', 'drop database if exists custody_restored']).catch(() => undefined);
  }
}
