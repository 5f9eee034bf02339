import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { renderApiTypes } from '../scripts/render-api-types';
import { createTestContext, type TestContext } from './context';

// `npm run api-types` runs this file with UPDATE_API_TYPES=1, which writes the file instead (as jest -u does
// for snapshots): the document comes from the server's own routes, with no server to start.
const FILE = path.join(__dirname, '..', 'web', 'src', 'lib', 'api-types.ts');

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

test("the console's checked-in API types are what the server's OpenAPI document gives (npm run api-types)", async () => {
  const document = (await request(ctx.app).get('/api/v1/openapi.json').expect(200)).body;
  const expected = await renderApiTypes(document);
  if (process.env.UPDATE_API_TYPES) fs.writeFileSync(FILE, expected);
  expect(fs.readFileSync(FILE, 'utf8')).toBe(expected);
  expect(expected).toContain('"/items/{code}/check-in"');
});
