import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { openRuntime } from '../runtime';

/** `npm run migrate`: applies pending migrations (openRuntime does) and stops. */
async function run(): Promise<void> {
  const config = loadConfig();
  const runtime = await openRuntime(config, createLogger(config));
  const executed = await runtime.orm.getMigrator().getExecutedMigrations();
  process.stdout.write(`database is at migration ${executed.at(-1)?.name ?? '(none)'} (${executed.length} applied)\n`);
  await runtime.close();
}

run().catch((err: unknown) => {
  process.stderr.write(`custody migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
