import fs from 'node:fs';
import path from 'node:path';

/** The Debian package of each outside program the tests run (scripts/test-tools.sh installs them). */
const PACKAGES = {
  pdftoppm: 'poppler-utils',
  pdftotext: 'poppler-utils',
  pdfdetach: 'poppler-utils',
  zbarimg: 'zbar-tools',
  '/usr/sbin/mosquitto': 'mosquitto',
  pg_ctl: 'postgresql',
} as const;
export type DebianTool = keyof typeof PACKAGES;

const found = (tool: DebianTool) => {
  if (tool === 'pg_ctl')
    return (
      fs.existsSync('/usr/lib/postgresql') &&
      fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`))
    );
  const candidates = tool.startsWith('/')
    ? [tool]
    : (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, tool));
  return candidates.some((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
};

/**
 * Stops a test file at once, in one line naming the package to install, when a program it runs is missing:
 * otherwise it fails later with a bare assertion and a TypeError in its teardown.
 */
export function requireDebianTools(...tools: DebianTool[]): void {
  const missing = tools.filter((tool) => !found(tool));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => PACKAGES[tool]))].join(' ');
  throw new Error(
    `this test file needs ${missing.join(', ')}: apt-get install ${packages} (or run scripts/test-tools.sh)`,
  );
}
