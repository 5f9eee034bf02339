import pino, { type DestinationStream, type Logger } from 'pino';
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

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
    level: config.logLevel,
    base: { service: 'custody' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
