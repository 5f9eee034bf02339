import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { NotFoundError, UnauthorizedError } from '../errors';

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/**
 * Prometheus metrics: requests by route pattern (never by raw URL, which would leak codes), pool, whether
 * callers are kept, process.
 */
export function createMetrics(orm: MikroORM, callers: { readonly listening: boolean }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'custody_' });
  const requests = new Counter({
    name: 'custody_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'custody_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const pool = () => orm.em.getDriver().getConnection().getKnex().client.pool as TarnPool | undefined;
  new Gauge({
    name: 'custody_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const p = pool();
      this.set({ state: 'used' }, p?.numUsed() ?? 0);
      this.set({ state: 'free' }, p?.numFree() ?? 0);
      this.set({ state: 'pending' }, p?.numPendingAcquires() ?? 0);
    },
  });
  // Requests stay correct without the notifications (each loads its caller), only slower: a state to
  // watch, not one that makes the process unready.
  new Gauge({
    name: 'custody_caller_changes_listening',
    help: '1 while this process hears every change to users and agencies and so keeps callers; 0 while each request loads its caller',
    registers: [registry],
    collect() {
      this.set(callers.listening ? 1 : 0);
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${req.route.path}` : '<unmatched>';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      latency.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };

  return { middleware, handler };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Lets only a scraper with the configured token through: the metrics count sign-in failures and requests
 * by route, which are nobody else's business. Without a token configured, /metrics is served to nobody.
 */
export function scraperOnly(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res, next) => {
    if (!expected)
      throw new NotFoundError('/metrics is off: set METRICS_TOKEN and give it to the scraper as a bearer token');
    const given = req.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
    // Digests of equal length, so that the comparison takes the same time whatever was sent.
    if (!given || !timingSafeEqual(digest(given), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedError('/metrics needs the scraper token: Authorization: Bearer <METRICS_TOKEN>');
    }
    next();
  };
}
