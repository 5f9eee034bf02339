import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import { sendProblem } from './problem';

const YEAR_SECONDS = 365 * 24 * 3600;
const OFFLINE_VERIFIER = 'verifier.html';

/**
 * The console's built files at `/`. Vite names every asset by its content's hash, so an asset is cached for a
 * year; `index.html` names the current assets and is never cached, so a new build reaches the browser at the
 * next load. Any other path under `/` is one of the app's own routes and gets `index.html` (the app routes on
 * the client); paths under `/api` never reach here.
 */
export function consoleFiles(dir: string): Router {
  const router = express.Router();
  const index = path.join(dir, 'index.html');
  router.use(
    express.static(dir, {
      index: false,
      setHeaders: (res, file) => {
        const asset = path.relative(dir, file).startsWith(`assets${path.sep}`);
        res.setHeader('Cache-Control', asset ? `public, max-age=${YEAR_SECONDS}, immutable` : 'no-cache');
        // The offline verifier is a file to keep, not a page of the console: its script is inline.
        if (path.basename(file) === OFFLINE_VERIFIER) {
          res.setHeader('Content-Disposition', 'attachment; filename="custody-verifier.html"');
        }
      },
    }),
  );
  const app: RequestHandler = (req, res, next) => {
    // A missing asset is a 404, not the app: a stale page asking for an old chunk must see that it failed.
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/assets/')) return next();
    if (!fs.existsSync(index)) {
      sendProblem(req, res, 503, 'console-not-built', 'the console is not built: run npm run build:console');
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(index);
  };
  router.use(app);
  return router;
}
