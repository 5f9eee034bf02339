import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { mosquittoFiles } from '../devices/mosquitto';
import { createLogger } from '../logger';
import { openRuntime } from '../runtime';

/**
 * `npm run mosquitto-config -- --dir DIR --server-password P`: writes `passwords` and `acl` for an external
 * Mosquitto from the device registry (run again after registering, rotating or disabling a device, then send
 * Mosquitto a SIGHUP). The server then connects with MQTT_URL=mqtt://custody-server:P@host:1883.
 */
async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      'server-username': { type: 'string', default: 'custody-server' },
      'server-password': { type: 'string' },
    },
  });
  if (!values.dir || !values['server-password']) {
    process.stderr.write(
      'usage: npm run mosquitto-config -- --dir DIR --server-password PASSWORD [--server-username custody-server]\n',
    );
    process.exit(2);
  }
  const config = loadConfig();
  const runtime = await openRuntime(config, createLogger(config));
  try {
    const files = await mosquittoFiles(runtime.orm.em.fork(), {
      username: values['server-username'],
      password: values['server-password'],
    });
    fs.mkdirSync(values.dir, { recursive: true });
    fs.writeFileSync(path.join(values.dir, 'passwords'), files.passwords, { mode: 0o640 });
    fs.writeFileSync(path.join(values.dir, 'acl'), files.acl, { mode: 0o640 });
    process.stdout.write(`wrote ${path.join(values.dir, 'passwords')} and ${path.join(values.dir, 'acl')}\n`);
  } finally {
    await runtime.close();
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`mosquitto-config: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
