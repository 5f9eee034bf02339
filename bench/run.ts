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
import { benchScale } from './scale.bench';
import { benchDatabase, type BenchDb } from './fixture';
import { printTable, type Figure } from './table';

/**
 * `npm run bench`: every figure beside a raw baseline measured in the same run, printed as a table and
 * written to bench/results/latest.json with the machine it ran on. Benchmarks, not tests: nothing here fails.
 */
async function main(): Promise<void> {
  const { values, positionals: only } = parseArgs({ options: { items: { type: 'string' } }, allowPositionals: true });
  const items = Number(values.items ?? 10_000);
  if (!Number.isInteger(items) || items < 1)
    throw new Error(`--items takes a whole number of items, not ${values.items}`);
  let db: BenchDb | undefined;
  const database = async () => (db ??= await benchDatabase());
  const sections: [string, () => Promise<Figure[]>][] = [
    ['labels', benchLabels],
    ['ledger', async () => benchLedger(await database())],
    ['commands', async () => benchCommands(await database())],
    ['devices', async () => benchDevices(await database())],
    ['console', async () => benchConsole(await database())],
    ['live', async () => benchLive(await database())],
    // A centre of its own, in a database of its own: its generator needs an empty ledger.
    [
      'scale',
      async () => {
        const own = await benchDatabase();
        try {
          return await benchScale(own, items);
        } finally {
          await own.stop();
        }
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
  printTable(figures);
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
