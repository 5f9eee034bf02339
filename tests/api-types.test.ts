import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { renderApiTypes } from '../scripts/render-api-types';
import { createTestContext, type TestContext } from './context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

test("the console's checked-in API types are what the server's OpenAPI document gives (npm run api-types)", async () => {
  const document = (await request(ctx.app).get('/api/v1/openapi.json').expect(200)).body;
  const expected = await renderApiTypes(document);
  const checkedIn = fs.readFileSync(path.join(__dirname, '..', 'web', 'src', 'lib', 'api-types.ts'), 'utf8');
  expect(checkedIn).toBe(expected);
  expect(checkedIn).toContain('"/items/{code}/check-in"');
});
