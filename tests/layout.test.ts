import fs from 'node:fs';
import path from 'node:path';

/**
 * The dependency rule of the layout (README, "Layout"): the domain in src/custody/ imports neither HTTP
 * (api/), MQTT (devices/), printing (reports/) nor the programs (cli/), and nothing but a program imports
 * a program.
 */
const SRC = path.join(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The folder under src/ of each relative import of `file`, e.g. 'api' or 'custody'. */
function importedFolders(file: string): { specifier: string; folder: string }[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(([, specifier]) => {
    const target = path.relative(SRC, path.resolve(path.dirname(file), specifier!));
    return { specifier: specifier!, folder: target.split(path.sep)[0]! };
  });
}

const violations = (files: string[], forbidden: string[]) =>
  files.flatMap((file) =>
    importedFolders(file)
      .filter(({ folder }) => forbidden.includes(folder))
      .map(({ specifier }) => `${path.relative(SRC, file)} imports ${specifier}`),
  );

test('nothing in custody/ imports api/, devices/, reports/ or cli/', () => {
  const files = sources(path.join(SRC, 'custody'));
  expect(files.length).toBeGreaterThan(40);
  expect(violations(files, ['api', 'devices', 'reports', 'cli'])).toEqual([]);
});

test('only the programs in cli/ import cli/', () => {
  const files = sources(SRC).filter((file) => !file.startsWith(path.join(SRC, 'cli') + path.sep));
  expect(violations(files, ['cli'])).toEqual([]);
});

test('the check reads imports across folders: devices/ imports custody/', () => {
  // Else the two tests above would pass on a check that never found an import.
  expect(
    sources(path.join(SRC, 'devices'))
      .flatMap(importedFolders)
      .map((i) => i.folder),
  ).toContain('custody');
});
