import fs from 'node:fs';
import path from 'node:path';
import { deviceMessageSchemas } from '../devices/schema';

/** `npm run device-schema`: writes docs/device-messages.schema.json from the zod schemas the server uses. */
fs.writeFileSync(
  path.join(__dirname, '..', '..', 'docs', 'device-messages.schema.json'),
  `${JSON.stringify(deviceMessageSchemas(), null, 2)}\n`,
);
