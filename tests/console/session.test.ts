import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { as } from '../world';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(60_000);

const casesOfOfficer = async () =>
  (await as(c.ctx, c.world.people.officer).get('/cases').expect(200)).body.items.map(
    (item: { caseNumber: string }) => item.caseNumber,
  ) as string[];

test('an expired session returns to sign-in, and signing in again goes back to the page', async () => {
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.clerk, '/cases?q=x');
  // Signing out everywhere (from another device) ends this browser's session too.
  await as(c.ctx, c.world.people.clerk).post('/auth/logout-everywhere').expect(204);
  await page.reload();
  await page.waitForURL(/\/sign-in\?next=/);
  expect(new URL(page.url()).searchParams.get('next')).toBe('/cases?q=x');
  await signIn(page, c.world.people.clerk, '/cases?q=x');
  expect(page.url()).toMatch(/\/cases\?q=x$/);
});

test('signing out clears the session: the API refuses the old cookie', async () => {
  const context = await c.context();
  const page = await context.newPage();
  await signIn(page, c.world.people.officer);
  await page.getByRole('button', { name: /退出登录|Sign out/ }).click();
  await page.waitForURL(/\/sign-in/);
  expect(await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status))).toBe(401);
});

test('a forged cross-site POST with the session cookie is refused and creates nothing', async () => {
  const context = await c.context();
  const page = await context.newPage();
  await signIn(page, c.world.people.officer);
  const before = await casesOfOfficer();
  const target = `${c.baseURL}/api/v1/cases`;
  const body = JSON.stringify({ caseNumber: 'FORGED-1', title: 'forged', openedOn: '2026-12-01' });

  // Another site (another origin on this machine) posts a form and a fetch at the API, in the signed-in browser.
  const evil = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<form id="f" method="POST" action="${target}" enctype="text/plain">
      <input name='{"caseNumber":"FORGED-2","title":"forged","openedOn":"2026-12-01","x":"' value='"}'></form>
      <script>fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors',
        headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} })
        .finally(() => document.getElementById('f').submit());</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, 'localhost', resolve));
  try {
    const evilPage = await context.newPage();
    const answer = evilPage.waitForResponse((r) => r.url() === target);
    await evilPage.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
    expect([401, 403, 415]).toContain((await answer).status());
  } finally {
    evil.close();
  }

  // Even from the console's own origin, a request without the CSRF token is refused.
  const refused = await page.evaluate(
    (json) =>
      fetch('/api/v1/cases', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }).then(
        async (r) => ({ status: r.status, detail: ((await r.json()) as { detail: string }).detail }),
      ),
    body,
  );
  expect(refused.status).toBe(403);
  expect(refused.detail).toMatch(/CSRF/i);
  expect(await casesOfOfficer()).toEqual(before);
});

test('the language is remembered per user: English comes back with its user, in this browser and another', async () => {
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.approver);
  await page.getByText('English', { exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
  // The sign-in page opens in the last language used; the next user gets their own.
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.getByText('中文', { exact: true }).click();
  await signIn(page, c.world.people.officer2);
  await page.getByRole('button', { name: '退出登录' }).waitFor();
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.waitForURL(/\/sign-in/);
  await signIn(page, c.world.people.approver);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();

  // Another browser, which has never seen this user: the server remembers their choice.
  const elsewhere = await (await c.context()).newPage();
  await signIn(elsewhere, c.world.people.approver);
  await elsewhere.getByRole('button', { name: 'Sign out' }).waitFor();
  expect((await as(c.ctx, c.world.people.approver).get('/me')).body.language).toBe('en');
});
