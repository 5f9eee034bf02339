import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Level, Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request's id, in its log lines, its problems and the X-Request-Id header. */
    id: string;
    /** A logger whose lines carry the request (id, method, URL, address). */
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

// A 503 (database or broker unavailable) is a condition to watch, not a bug: warn, like a refusal.
const levelOf = (status: number): Level =>
  status === 503 || (status >= 400 && status < 500) ? 'warn' : status >= 500 ? 'error' : 'info';

/**
 * Gives each request an id (the caller's own X-Request-Id when it is safe to log, else a fresh one) and a
 * logger bound to it, and logs one line when it completes, at a level by its status.
 *
 * Why not pino-http: it makes each request's child logger up front, serializing the request, whether or
 * not anything is logged at the level set; here the child is made when a line is written.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    req.id = id;
    // As the request arrived: routers mounted on a path rewrite req.url.
    const bindings = { req: { id, method: req.method, url: req.originalUrl, remoteAddress: req.socket.remoteAddress } };
    let bound: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, get: () => (bound ??= logger.child(bindings)) });
    const started = performance.now();
    res.once('close', () => {
      const finished = res.writableFinished;
      const level = finished ? levelOf(res.statusCode) : 'warn';
      if (!logger.isLevelEnabled(level)) return;
      const fields = { res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - started) };
      req.log[level](fields, finished ? 'request completed' : 'request aborted');
    });
    next();
  };
}
