// `npm start` runs this first: it builds the console (web/ → web/dist) when the build is missing or older than
// any of its sources, so that a fresh clone serves the console after `npm ci && npm start`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildOfflineVerifier } from './verifier-build';

const ROOT = path.join(__dirname, '..');
const WEB = path.join(ROOT, 'web');
const BUILT = path.join(WEB, 'dist', 'index.html');
// The console also compiles the item-code rules, the request names and the offline verifier it shares with the
// server.
const SOURCES = [
  path.join(WEB, 'src'),
  path.join(WEB, 'public'),
  path.join(WEB, 'index.html'),
  path.join(WEB, 'vite.config.mts'),
  path.join(ROOT, 'src', 'custody', 'items', 'item-code-rules.ts'),
  path.join(ROOT, 'src', 'custody', 'items', 'request-kinds.ts'),
  path.join(ROOT, 'src', 'custody', 'items', 'item-kinds.ts'),
  path.join(ROOT, 'src', 'custody', 'ledger', 'canonical-json.ts'),
  path.join(ROOT, 'src', 'verifier'),
  path.join(WEB, 'verifier'),
  path.join(ROOT, 'package-lock.json'),
];

function newest(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(file).map((name) => newest(path.join(file, name))));
}

export function consoleIsStale(): boolean {
  return !fs.existsSync(BUILT) || fs.statSync(BUILT).mtimeMs < Math.max(...SOURCES.map(newest));
}

export function ensureConsoleBuilt(): void {
  if (!consoleIsStale()) return;
  console.log('building the console (web/ → web/dist) …');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', WEB], {
    cwd: ROOT,
    // Jest runs with NODE_ENV=test, which Vite would carry into the bundle: React's and Ant Design's
    // development builds, slower and larger than what users get.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  buildOfflineVerifier(path.join(WEB, 'dist'));
}

if (require.main === module) ensureConsoleBuilt();
