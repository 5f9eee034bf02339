import express, { type Express } from 'express';
import helmet from 'helmet';
import { RequestContext } from '@mikro-orm/core';
import { agencyRoutes } from './agencies.routes';
import { authenticate, callerCache } from './auth';
import { authRoutes } from './auth.routes';
import { consoleFiles } from './console';
import { directoryLogRoutes } from './directory-log.routes';
import type { AppDeps } from './deps';
import { idempotency } from './idempotency';
import { createMetrics, scraperOnly } from './metrics';
import { openApiDocument } from './openapi';
import { problemHandler, sendProblem } from './problem';
import { requestLog } from './request-log';
import { Api } from './route';
import { userRoutes } from './users.routes';
import { clientRoutes } from './clients.routes';
import { oauthRoutes } from './oauth.routes';
import { webhookRoutes } from './webhooks.routes';
import { importRoutes } from './import.routes';
import { caseRoutes } from './cases.routes';
import { handoverRoutes } from './handovers.routes';
import { itemRoutes } from './items.routes';
import { labelRoutes } from './labels.routes';
import { transparencyRoutes } from './transparency.routes';
import { reportRoutes } from './reports.routes';
import { deviceRoutes } from './devices.routes';
import { lockerRoutes } from './lockers.routes';
import { auditRoutes } from './audits.routes';
import { ledgerRoutes } from './ledger.routes';
import { locationRoutes } from './locations.routes';
import { requestRoutes } from './requests.routes';
import { liveRoutes } from './live.routes';
import { dashboardRoutes } from './dashboard.routes';

const READINESS_TIMEOUT_MS = 2000;

export const API_VERSION = '1.0.0';

export function createApp(deps: AppDeps): Express {
  const { orm, config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(requestLog(logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The console's scripts are files of its own (no inline script); 'wasm-unsafe-eval' lets the camera
          // scan compile its WebAssembly barcode reader, and nothing else. Ant Design writes its styles at run
          // time, so styles may be inline; images and photographs previewed before upload are blob: URLs.
          'script-src': ["'self'", "'wasm-unsafe-eval'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'media-src': ["'self'", 'blob:'],
        },
      },
    }),
  );
  const callers = deps.callers ?? callerCache(orm);
  const metrics = createMetrics(orm, callers);
  app.use(metrics.middleware);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    try {
      await Promise.race([
        orm.em.getConnection().execute('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), READINESS_TIMEOUT_MS).unref()),
      ]);
      res.json({ status: 'ready', database: 'up' });
    } catch (err) {
      req.log.warn({ err: { message: (err as Error).message } }, 'not ready');
      sendProblem(req, res, 503, 'not-ready', 'the database is not reachable', { database: 'down' });
    }
  });
  app.get('/metrics', scraperOnly(config.metricsToken), metrics.handler);

  const api = new Api({
    auth: authenticate(callers, deps.tokens),
    idempotency: idempotency(orm),
    jsonLimit: config.jsonBodyLimit,
  });
  authRoutes(api, { ...deps, callers });
  agencyRoutes(api, deps);
  userRoutes(api, { ...deps, callers });
  clientRoutes(api, { ...deps, callers });
  oauthRoutes(api, deps);
  webhookRoutes(api, deps);
  importRoutes(api, deps);
  directoryLogRoutes(api, deps);
  locationRoutes(api, deps);
  caseRoutes(api, deps);
  itemRoutes(api, deps);
  handoverRoutes(api, deps);
  requestRoutes(api, deps);
  ledgerRoutes(api, deps);
  labelRoutes(api, deps);
  transparencyRoutes(api, deps);
  reportRoutes(api, deps);
  deviceRoutes(api, deps);
  lockerRoutes(api, deps);
  auditRoutes(api, deps);
  liveRoutes(api, { ...deps, callers });
  dashboardRoutes(api, deps);
  const openApi = openApiDocument(api.routes, API_VERSION);
  api.router.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  // A context of each ORM (they have names of their own): the primary's, and the replica's when there is one.
  const contexts = deps.readOrm && deps.readOrm !== orm ? [orm.em, deps.readOrm.em] : orm.em;
  app.use('/api/v1', (_req, _res, next) => RequestContext.create(contexts, next), api.router);

  app.use('/api', (req, res) => {
    sendProblem(req, res, 404, 'no-such-route', `there is no route ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  app.use(consoleFiles(config.consoleDir));
  app.use((req, res) => {
    sendProblem(req, res, 404, 'no-such-route', `there is no route ${req.method} ${req.path}`);
  });
  app.use(problemHandler);
  return app;
}
