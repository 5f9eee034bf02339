import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchLabels } from './labels.bench';
import { benchLedger } from './ledger.bench';
import { benchDevices } from './devices.bench';
import { benchCommands } from './commands.bench';
import { benchConsole } from './console.bench';
import { benchLive } from './live.bench';
import { benchWebhooks } from './webhooks.bench';
import { benchImport } from './import.bench';
import { benchDossier } from './dossier.bench';
import { benchScale } from './scale.bench';
import { benchDatabase, type BenchDb } from './fixture';
import { scaleDatabase } from './scale/cluster';
import { printSideBySide, printTable, type Figure } from './table';

/**
 * `npm run bench`: every figure beside a raw baseline measured in the same run, printed as a table and
 * written to bench/results/latest.json with the machine it ran on. Benchmarks, not tests: nothing here fails.
 */
async function main(): Promise<void> {
  const { values, positionals: only } = parseArgs({
    options: { items: { type: 'string' }, keep: { type: 'string' } },
    allowPositionals: true,
  });
  const sizes = (values.items ?? '10000').split(',').map(Number);
  if (!sizes.every((n) => Number.isInteger(n) && n >= 1))
    throw new Error(`--items takes whole numbers of items, separated by commas, not ${values.items}`);
  let db: BenchDb | undefined;
  const database = async () => (db ??= await benchDatabase());
  const sections: [string, () => Promise<Figure[]>][] = [
    ['labels', benchLabels],
    ['ledger', async () => benchLedger(await database())],
    ['commands', async () => benchCommands(await database())],
    ['devices', async () => benchDevices(await database())],
    ['console', async () => benchConsole(await database())],
    ['live', async () => benchLive(await database())],
    ['webhooks', async () => benchWebhooks(await database())],
    ['import', async () => benchImport(await database())],
    ['dossier', async () => benchDossier(await database())],
    // A centre of each size, in a database of its own: its generator needs an empty ledger.
    [
      'scale',
      async () => {
        const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'custody-scale-'));
        // PostgreSQL runs as its own user (scripts/pg-cluster.sh), which must be able to enter the folder.
        fs.chmodSync(dir, 0o711);
        const all: Figure[] = [];
        try {
          for (const items of sizes) {
            const own = await scaleDatabase(path.join(dir, String(items)));
            try {
              const at = `${items.toLocaleString('en')} items`;
              all.push(...(await benchScale(own, items)).map((f) => ({ ...f, at })));
            } finally {
              await own.stop();
            }
          }
        } finally {
          if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
        }
        return all;
      },
    ],
  ];
  const figures: Figure[] = [];
  try {
    for (const [name, run] of sections) {
      // The scale section runs only when named: at the sizes it is for, it takes far longer than the rest.
      if (only.length ? !only.includes(name) : name === 'scale') continue;
      process.stderr.write(`bench: ${name}…\n`);
      figures.push(...(await run()));
    }
  } finally {
    await db?.stop();
  }
  const machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  console.log(`\nmachine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);
  printTable(figures.filter((f) => !f.at));
  printSideBySide(figures.filter((f) => f.at));
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'latest.json'),
    JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
