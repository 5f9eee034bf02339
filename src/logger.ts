import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config';

/** Paths that may hold a secret: pino replaces their values before anything is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'currentPassword',
  '*.currentPassword',
  'newPassword',
  '*.newPassword',
  'accessToken',
  '*.accessToken',
  'passwordHash',
  '*.passwordHash',
  'databaseUrl',
  'databaseOwnerUrl',
  'jwtSecret',
  'adminPassword',
  'ledgerKey',
  'mqttUrl',
  'metricsToken',
];

/**
 * JSON lines for a log collector; read by a person at a terminal, the same lines pretty-printed. The
 * prettifier is a stream in this thread (not pino's worker transport), so nothing is lost at a crash.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const target =
    destination ?? (process.stdout.isTTY ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l' }) : undefined);
  return pino(
    {
      level: config.logLevel,
      base: { service: 'custody' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    target,
  );
}
