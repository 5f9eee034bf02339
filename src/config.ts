import path from 'node:path';
import { z } from 'zod';
import { passwordWeakness } from './custody/directory/password-policy';
import { DatabaseUrlError, parseDatabaseUrl } from './database-url';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(1).max(65535);
const booleanish = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
// libpq's form, several hosts included (`h1:5432,h2:5432`), which z.url refuses: checked as it will be read.
const postgresUrl = z.string().superRefine((url, ctx) => {
  try {
    parseDatabaseUrl(url);
  } catch (err) {
    if (!(err instanceof DatabaseUrlError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
});

const envSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_OWNER_URL: postgresUrl.optional(),
  DATABASE_READ_URL: postgresUrl.optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  CUSTODY_DATA_DIR: z.string().min(1).default('./data'),
  CUSTODY_PG_PORT: port.default(5433),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(8 * 3600),
  CUSTODY_ADMIN_PASSWORD: z
    .string()
    .superRefine((password, ctx) => {
      const weakness = passwordWeakness(password, 'admin');
      if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
    })
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  JSON_BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/, 'must look like 256kb or 1mb')
    .default('1mb'),
  TRUST_PROXY: booleanish.default(false),
  CUSTODY_LEDGER_KEY: z
    .string()
    .startsWith('PRIVATE+KEY+', 'must be a signer key: PRIVATE+KEY+name+keyid+base64')
    .optional(),
  CUSTODY_LOG_ORIGIN: z
    .string()
    .regex(/^[^\s+]+$/, 'must have no spaces or +, e.g. custody.example.org/ledger')
    .default('custody.local/ledger'),
  CUSTODY_WITNESS_KEYS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .default([]),
  CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  VERIFY_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(1883),
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  LOCKER_SILENCE_SECONDS: z.coerce.number().int().min(10).max(86400).default(120),
  CUSTODY_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  WEBHOOK_ALLOW_PRIVATE: booleanish.default(false),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(10),
  MQTT_TLS_PORT: port.optional(),
  MQTT_TLS_CERT: z.string().min(1).optional(),
  MQTT_TLS_KEY: z.string().min(1).optional(),
  MQTT_WS_PORT: port.optional(),
  METRICS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/=-]{32,}$/, 'must be 32 or more letters, digits or . _ ~ + / = -')
    .optional(),
  CUSTODY_CONSOLE_DIR: z.string().min(1).optional(),
  MQTT_URL: z.url({ protocol: /^mqtts?$/, error: 'must be an mqtt:// or mqtts:// URL (credentials in it)' }).optional(),
});

export type Config = Readonly<{
  port: number;
  host: string;
  /** The server's PostgreSQL: one host, or several (libpq's form), tried in order (docs/operations.md, "Failover"). */
  databaseUrl: string | undefined;
  /** The tables' owner, for migrations, with DATABASE_URL; the server itself connects as DATABASE_URL's role. */
  databaseOwnerUrl: string | undefined;
  /**
   * A streaming replica of DATABASE_URL's database, for the reads that may lag: searches, reports, proofs,
   * verification (docs/operations.md, "Read replica"). Absent: every read goes to the primary.
   */
  databaseReadUrl: string | undefined;
  dbPoolMax: number;
  dataDir: string;
  embeddedPgPort: number;
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  adminPassword: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  jsonBodyLimit: string;
  trustProxy: boolean;
  /** The log's Ed25519 signer key; when absent, one is made on first start in the data folder. */
  ledgerKey: string | undefined;
  logOrigin: string;
  /** Verifier keys (vkeys, type 0x04) of the witnesses whose cosignatures the server accepts. */
  witnessKeys: string[];
  checkpointIntervalSeconds: number;
  /** How often the server verifies the ledger by itself, from the last verified checkpoint (0: never). */
  verifyIntervalSeconds: number;
  /** Port of the embedded MQTT broker (0: any free port). */
  mqttPort: number;
  mqttHost: string;
  /** A locker not heard from for this long raises an alert. */
  lockerSilenceSeconds: number;
  /** The server's address as others reach it, for links in what it sends (webhooks' proof links). */
  publicUrl: string;
  /** Webhook receivers: whether loopback and private addresses are allowed, and one attempt's time limit. */
  webhooks: { allowInternal: boolean; timeoutMs: number };
  /** Optional TLS listener of the embedded broker (PEM certificate and key files) and WebSocket listener. */
  mqttTls: { port: number; cert: string; key: string } | undefined;
  mqttWsPort: number | undefined;
  /** An external broker (e.g. Mosquitto) to use instead of the embedded one; credentials in the URL. */
  mqttUrl: string | undefined;
  /** The bearer token a Prometheus scraper sends for /metrics; without it, /metrics is served to nobody. */
  metricsToken: string | undefined;
  /** The console's built files (web/dist), served at `/`. */
  consoleDir: string;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; the first wrong variable is named in a one-line message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid configuration: ${name}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.DATABASE_OWNER_URL && !e.DATABASE_URL) {
    throw new ConfigError(
      'invalid configuration: DATABASE_OWNER_URL: needs DATABASE_URL (the embedded database sets up its roles itself)',
    );
  }
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) {
    throw new ConfigError(
      'invalid configuration: DATABASE_READ_URL: needs DATABASE_URL (a replica is of an external primary, not of the embedded database)',
    );
  }
  if (e.MQTT_TLS_PORT && (!e.MQTT_TLS_CERT || !e.MQTT_TLS_KEY)) {
    throw new ConfigError('invalid configuration: MQTT_TLS_PORT: needs MQTT_TLS_CERT and MQTT_TLS_KEY (PEM files)');
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    dbPoolMax: e.DB_POOL_MAX,
    dataDir: path.resolve(e.CUSTODY_DATA_DIR),
    embeddedPgPort: e.CUSTODY_PG_PORT,
    jwtSecret: e.JWT_SECRET,
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    adminPassword: e.CUSTODY_ADMIN_PASSWORD,
    logLevel: e.LOG_LEVEL,
    jsonBodyLimit: e.JSON_BODY_LIMIT,
    trustProxy: e.TRUST_PROXY,
    ledgerKey: e.CUSTODY_LEDGER_KEY,
    logOrigin: e.CUSTODY_LOG_ORIGIN,
    witnessKeys: e.CUSTODY_WITNESS_KEYS,
    checkpointIntervalSeconds: e.CHECKPOINT_INTERVAL_SECONDS,
    verifyIntervalSeconds: e.VERIFY_INTERVAL_SECONDS,
    mqttPort: e.MQTT_PORT,
    mqttHost: e.MQTT_HOST,
    lockerSilenceSeconds: e.LOCKER_SILENCE_SECONDS,
    publicUrl: (e.CUSTODY_PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(
      /\/$/,
      '',
    ),
    webhooks: { allowInternal: e.WEBHOOK_ALLOW_PRIVATE, timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000 },
    mqttUrl: e.MQTT_URL,
    mqttTls: e.MQTT_TLS_PORT ? { port: e.MQTT_TLS_PORT, cert: e.MQTT_TLS_CERT!, key: e.MQTT_TLS_KEY! } : undefined,
    mqttWsPort: e.MQTT_WS_PORT,
    metricsToken: e.METRICS_TOKEN,
    consoleDir: path.resolve(e.CUSTODY_CONSOLE_DIR ?? path.join(__dirname, '..', 'web', 'dist')),
  });
}
