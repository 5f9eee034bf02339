import type { Page } from 'playwright-core';
import { PHONE, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(60_000);

const fieldsOf = (page: Page) => ({
  username: page.getByLabel(/用户名|Username/),
  password: page.getByLabel(/^(密码|Password)$/),
  submit: page.getByRole('button', { name: /登\s*录|Sign in/ }),
});

test('the sign-in page is in Chinese first, accessible, and a wrong password says why in place', async () => {
  for (const size of [undefined, PHONE]) {
    const page = await (await c.context(size)).newPage();
    await page.goto('/');
    await page.waitForURL(/\/sign-in/);
    expect(await page.locator('h1').innerText()).toBe('涉案财物管理');
    await expectAccessible(page);
    await screenshot(page, 'sign-in');
    const form = fieldsOf(page);
    await form.username.fill(c.world.people.officer.user.username);
    await form.password.fill('not the password');
    await form.submit.click();
    const detail = page.getByTestId('problem-detail');
    await detail.waitFor();
    expect(await detail.innerText()).toMatch(/username or password/i);
    expect(await page.getByRole('alert').innerText()).toContain('需要重新登录');
  }
});

test('signing in sets an httpOnly SameSite=Strict session cookie and no token in storage, and returns to the page asked for', async () => {
  const context = await c.context();
  const page = await context.newPage();
  await page.goto('/cases');
  await page.waitForURL(/\/sign-in\?next=%2Fcases/);
  await signIn(page, c.world.people.officer, '/cases');
  expect(new URL(page.url()).pathname).toBe('/cases');
  const session = (await context.cookies()).find((cookie) => cookie.name === 'custody_session')!;
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  expect(stored).not.toContain('eyJ');
  expect(await page.evaluate(() => document.cookie)).not.toContain('custody_session');
});
