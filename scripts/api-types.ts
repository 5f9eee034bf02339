// The console's API types, generated from the server's own OpenAPI document:
//   npm run api-types                   reads http://127.0.0.1:3000 (the server of `npm start`)
//   CUSTODY_URL=http://host:port npm run api-types
// tests/api-types.test.ts fails when the checked-in file differs from what the server's routes give.
import fs from 'node:fs';
import path from 'node:path';
import { renderApiTypes } from './render-api-types';

const url = `${process.env.CUSTODY_URL ?? 'http://127.0.0.1:3000'}/api/v1/openapi.json`;
const out = path.join(__dirname, '..', 'web', 'src', 'lib', 'api-types.ts');

async function main() {
  const response = await fetch(url).catch(() => undefined);
  if (!response?.ok) throw new Error(`cannot read ${url}: start the server (npm start) first`);
  fs.writeFileSync(out, await renderApiTypes(await response.json()));
  console.log(`wrote ${path.relative(process.cwd(), out)} from ${url}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
