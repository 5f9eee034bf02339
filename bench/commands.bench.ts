import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { issueToken } from '../src/api/auth';
import { createLocation } from '../src/custody/directory/locations';
import type { ItemState } from '../src/custody/items/projection';
import { analyze, freePort, percentile, receive, registerMany, type BenchDb } from './fixture';
import type { Figure } from './table';

const CLIENTS = [1, 4, 16] as const;
const SECONDS = 3;

/** Runs `clients` loops of `op` for `seconds` and returns the rate and the sorted latencies in ms. */
export async function closedLoop(
  clients: number,
  seconds: number,
  op: (client: number, n: number) => Promise<void>,
): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = 0; performance.now() < end; n++) {
        const sent = performance.now();
        await op(client, n);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return {
    perSecond: latencies.length / ((performance.now() - start) / 1000),
    latencies: latencies.sort((a, b) => a - b),
  };
}

/** The PostgreSQL floor, measured with bare `pg` clients: one connection per client, no ORM, no HTTP. */
export async function rawBaselines(url: string, clients: number) {
  const pool = new pg.Pool({ connectionString: url, max: clients });
  try {
    await pool.query(`create table if not exists bench_rows (id bigserial primary key, body text not null)`);
    await pool.query(`create table if not exists bench_head (id boolean primary key, size bigint not null)`);
    await pool.query(`insert into bench_head values (true, 0) on conflict do nothing`);
    const body = 'x'.repeat(600); // about the size of a check-in event's canonical JSON
    const insert = await closedLoop(
      clients,
      SECONDS,
      async () => void (await pool.query('insert into bench_rows (body) values ($1)', [body])),
    );
    const serialized = await closedLoop(clients, SECONDS, async () => {
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query('update bench_head set size = size + 1 where id');
        await c.query('insert into bench_rows (body) values ($1)', [body]);
        await c.query('commit');
      } finally {
        c.release();
      }
    });
    return { insert, serialized };
  } finally {
    await pool.end();
  }
}

interface Server {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** The real server process (node with tsx's loader, so its pid is the server's own) on the bench database. */
async function startServer(db: BenchDb, jwtSecret: string): Promise<Server> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-bench-server-'));
  const root = path.join(__dirname, '..');
  let output = '';
  // Node's flags as `npm start` gives them (the young generation's size), then any of BENCH_NODE_ARGS.
  const startFlags = (
    JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start
    .split(' ')
    .filter((word) => word.startsWith('--'));
  const child = spawn(
    process.execPath,
    [...startFlags, ...(process.env.BENCH_NODE_ARGS?.split(' ') ?? []), '--import', 'tsx', 'src/main.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_OWNER_URL: db.ownerUrl,
        JWT_SECRET: jwtSecret,
        PORT: String(port),
        MQTT_PORT: String(await freePort()),
        CUSTODY_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        DB_POOL_MAX: '20',
      },
    },
  );
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`bench server exited: ${output}`);
    if (
      await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error(`bench server not ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    port,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds the whole machine has spent busy (every process, PostgreSQL and this loader too), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const idle = ticks[3]! + ticks[4]!;
  return (ticks.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / 100;
}

/** Peak and current resident memory of a process, from /proc (Linux). */
export function residentMiB(pid: number): { peak: number; now: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
}

/** CPU seconds a process has used (user + system), from /proc; clock ticks are 1/100 s on Linux. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function post(agent: http.Agent, port: number, token: string, urlPath: string, body: object): Promise<number> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: urlPath,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Check-in and move commands through HTTP with authentication at 1, 4 and 16 clients against the server
 * process, beside the same PostgreSQL's raw insert-and-commit and serialized head-row rates; the server's
 * memory under that load; the database's size per million events.
 */
export async function benchCommands(db: BenchDb): Promise<Figure[]> {
  const figures: Figure[] = [];
  const em = () => db.orm.em.fork();
  const keeperId = randomUUID();
  await em().execute(
    `insert into users (id, username, display_name, agency_id, roles, password_hash) values (?, 'bench-commands', 'Bench keeper', ?, '{warehouse}', 'x')`,
    [keeperId, db.actor.agencyId],
  );
  await createLocation(em(), { code: 'CMD-SITE', name: 'Bench', kind: 'site' });
  const shelves = ['CMD-A', 'CMD-B'];
  for (const code of shelves) await createLocation(em(), { code, name: code, kind: 'shelf', parentCode: 'CMD-SITE' });

  const secret = randomBytes(32).toString('hex');
  const token = issueToken({ secret, ttlSeconds: 3600 }, { id: keeperId, tokenVersion: 0 }).accessToken;
  const server = await startServer(db, secret);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    for (const clients of CLIENTS) {
      // Each client works its own items: a check-in, then moves between two shelves.
      const items: ItemState[][] = [];
      for (let c = 0; c < clients; c++) items.push(await receive(db, await registerMany(db, 50)));
      await analyze(db);
      const failures: number[] = [];
      const phaseStart = new Date().toISOString();
      const cpuBefore = cpuSeconds(server.pid);
      const machineBefore = machineBusySeconds();
      const http = await closedLoop(clients, SECONDS, async (client, n) => {
        const own = items[client]!;
        const item = own[n % own.length]!;
        const round = Math.floor(n / own.length);
        const status =
          round === 0
            ? await post(agent, server.port, token, `/api/v1/items/${item.code}/check-in`, { locationCode: shelves[0] })
            : await post(agent, server.port, token, `/api/v1/items/${item.code}/move`, {
                locationCode: shelves[round % 2],
                note: 'rearranged',
              });
        if (status !== 200) failures.push(status);
      });
      const cpuPerCommand = ((cpuSeconds(server.pid) - cpuBefore) * 1000) / http.latencies.length;
      const machinePerCommand = ((machineBusySeconds() - machineBefore) * 1000) / http.latencies.length;
      if (failures.length) throw new Error(`${failures.length} commands failed, e.g. HTTP ${failures[0]}`);
      // The events of one group commit share their recorded time.
      const [batches] = await em().execute<{ events: string; commits: string }[]>(
        'select count(*) as events, count(distinct recorded_at) as commits from ledger_events where recorded_at >= ?',
        [phaseStart],
      );
      const raw = await rawBaselines(db.ownerUrl, clients);
      const label = `${clients} client${clients > 1 ? 's' : ''}`;
      figures.push(
        {
          section: 'commands',
          name: `check-in/move through HTTP, ${label} (vs raw single-row insert+commit)`,
          value: http.perSecond,
          unit: '/s',
          baseline: { name: 'raw insert+commit', value: raw.insert.perSecond },
          target: clients === 16 ? '≥ 1,000/s' : undefined,
        },
        {
          section: 'commands',
          name: `check-in/move through HTTP, ${label} (vs serialized head-row update+insert)`,
          value: http.perSecond,
          unit: '/s',
          baseline: { name: 'raw head-row update+insert', value: raw.serialized.perSecond },
          target: clients === 16 ? '≥ 0.5× baseline' : undefined,
        },
        ...([50, 99] as const).map((p) => ({
          section: 'commands',
          name: `check-in/move latency p${p}, ${label}`,
          value: percentile(http.latencies, p),
          unit: 'ms',
          baseline: { name: 'raw head-row update+insert', value: percentile(raw.serialized.latencies, p) },
          target: clients === 16 && p === 99 ? '< 50 ms' : undefined,
        })),
        { section: 'commands', name: `server process CPU per command, ${label}`, value: cpuPerCommand, unit: 'ms' },
        {
          section: 'commands',
          name: `whole machine's CPU per command (server, PostgreSQL, loader), ${label}`,
          value: machinePerCommand,
          unit: 'ms',
        },
        {
          section: 'commands',
          name: `commands per transaction (group commit), ${label}`,
          value: Number(batches!.events) / Number(batches!.commits),
          unit: 'commands',
        },
      );
    }
    const memory = residentMiB(server.pid);
    figures.push({
      section: 'commands',
      name: 'server resident memory, peak under the command load',
      value: memory.peak,
      unit: 'MiB',
      target: '< 300 MiB',
    });
  } finally {
    agent.destroy();
    await server.stop();
  }
  figures.push(await databaseSize(db));
  return figures;
}

/** Bytes the ledger takes per million events (table, indexes and TOAST), beside the canonical JSON itself. */
async function databaseSize(db: BenchDb): Promise<Figure> {
  const [row] = await db.orm.em.fork().execute<{ events: string; stored: string; canonical: string; total: string }[]>(
    `select count(*) as events, pg_total_relation_size('ledger_events') as stored,
            sum(octet_length(canonical)) as canonical, pg_database_size(current_database()) as total from ledger_events`,
  );
  const events = Number(row!.events);
  const perMillion = (bytes: string) => ((Number(bytes) / events) * 1e6) / 2 ** 30;
  return {
    section: 'commands',
    name: `ledger size per million events (${events} events; whole database ${perMillion(row!.total).toFixed(1)} GiB per million)`,
    value: perMillion(row!.stored),
    unit: 'GiB',
    baseline: { name: 'canonical JSON bytes alone', value: perMillion(row!.canonical) },
  };
}
