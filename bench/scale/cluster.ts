import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ensureServerRole, SERVER_ROLE } from '../../src/database-role';
import { ED25519, generateSignerKey } from '../../src/custody/ledger/note';
import { initOrm, migrate } from '../../src/orm';
import { seedBenchCase, type BenchDb } from '../fixture';
import type { GeneratedCentre } from './generate';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Settings of a server that holds a centre, the same at every size so that the sizes compare: a quarter of
 * the bench machine's memory for buffers, and checkpoints far enough apart for a bulk load.
 */
export const CLUSTER_OPTIONS = '-c shared_buffers=4GB -c max_wal_size=8GB -c checkpoint_timeout=30min';

export interface ScaleDb extends BenchDb {
  /** The cluster's superuser on the maintenance database, for pg_dump, pg_restore and scratch databases. */
  superUrl: string;
  /** The log's signer key (PRIVATE+KEY+…), kept beside the cluster: the centre's checkpoints are signed with it. */
  ledgerKey: string;
  /** Set when the folder held a centre already: what its generation reported then. */
  kept: GeneratedCentre | null;
  /** Records the generated centre, so that a later run with the same folder measures it again. */
  keep(centre: GeneratedCentre): void;
}

const cluster = (verb: string, dir: string) =>
  execFileSync(path.join(ROOT, 'scripts', 'pg-cluster.sh'), [verb, dir], {
    encoding: 'utf8',
    env: { ...process.env, PG_CLUSTER_OPTIONS: CLUSTER_OPTIONS },
  });

/**
 * A centre's database in a Debian PostgreSQL cluster kept in `dir` (scripts/pg-cluster.sh): Debian's, not the
 * embedded one, because the bench times pg_dump and pg_restore, which the embedded package lacks and Debian's
 * refuse to run against a newer server. The cluster outlives the run: building ten million events takes
 * half an hour, and measuring them again should not.
 */
export async function scaleDatabase(dir: string): Promise<ScaleDb> {
  fs.mkdirSync(dir, { recursive: true });
  const started = cluster('start', dir).match(/DATABASE_URL=(\S+)/)?.[1];
  if (!started) throw new Error(`scripts/pg-cluster.sh did not start a cluster in ${dir}`);
  const superUrl = started;
  const at = (user: string, database: string) => {
    const url = new URL(superUrl);
    url.username = user;
    url.pathname = `/${database}`;
    return url.toString();
  };
  const admin = new pg.Client({ connectionString: superUrl });
  await admin.connect();
  try {
    const exists = await admin.query(`select 1 from pg_database where datname = 'custody'`);
    if (exists.rowCount === 0) await admin.query('create database custody');
    // The cluster trusts loopback (initdb --auth=trust): the password is never asked for.
    await ensureServerRole(admin, 'bench');
  } finally {
    await admin.end();
  }
  const ownerUrl = at('postgres', 'custody');
  const orm = await initOrm({ url: ownerUrl, poolMax: 20 });
  await migrate(orm);
  const { actor, caseId } = await seedBenchCase(orm);
  const record = path.join(dir, 'centre.json');
  const keyFile = path.join(dir, 'ledger-key');
  if (!fs.existsSync(keyFile))
    fs.writeFileSync(keyFile, generateSignerKey('bench.local/scale', ED25519), { mode: 0o600 });
  return {
    url: at(SERVER_ROLE, 'custody'),
    ownerUrl,
    superUrl,
    ledgerKey: fs.readFileSync(keyFile, 'utf8'),
    orm,
    actor,
    caseId,
    kept: fs.existsSync(record) ? (JSON.parse(fs.readFileSync(record, 'utf8')) as GeneratedCentre) : null,
    keep: (centre) => fs.writeFileSync(record, JSON.stringify(centre, null, 2)),
    stop: async () => {
      await orm.close(true);
      cluster('stop', dir);
    },
  };
}
