import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = path.join(__dirname, '..');
const VERIFIER = path.join(ROOT, 'web', 'verifier');

/**
 * The offline verifier as one HTML file (web/dist/verifier.html), its script and style inline, so that a court
 * or a lawyer keeps it beside a report and opens it from disk with no network. The console serves it as a
 * download (never as a page: its inline script is what the console's own policy forbids).
 */
export function buildOfflineVerifier(outDir: string): void {
  const { outputFiles } = buildSync({
    entryPoints: [path.join(VERIFIER, 'offline.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
  });
  const script = outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  const style = fs.readFileSync(path.join(VERIFIER, 'verifier.css'), 'utf8');
  const html = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Custody 保管链离线验证 · offline verifier</title>
<style>${style}</style>
</head>
<body>
<div id="verifier"></div>
<script>${script}</script>
</body>
</html>
`;
  fs.writeFileSync(path.join(outDir, 'verifier.html'), html);
}
