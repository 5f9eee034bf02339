import { startTcpProxy, type TcpProxy } from '../tcp-proxy';
import { expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
let database: TcpProxy;
// The server reaches its PostgreSQL through a relay the test cuts: the database goes away under a signed-in page.
setUpConsole((world) => (c = world), {
  databaseUrl: async (url) => {
    const target = new URL(url);
    database = await startTcpProxy(target.hostname, Number(target.port));
    target.hostname = '127.0.0.1';
    target.port = String(database.port);
    return target.toString();
  },
});
afterAll(() => database?.close());
jest.setTimeout(120_000);

test('while the database is away a banner says so and the page retries; it recovers alone and is never blank', async () => {
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.officer, '/cases');
  const search = page.getByRole('searchbox', { name: '搜索案件' });
  await page.getByText('张某盗窃案').waitFor();
  const banner = page.getByRole('status').filter({ hasText: '服务暂时不可用，正在重试…' });

  database.cut();
  await search.fill('盗窃');
  await search.press('Enter');
  await banner.waitFor();
  // The page around the failed list stays: the menu, the search, the user's own words in it.
  expect(await search.inputValue()).toBe('盗窃');
  expect(await page.getByRole('button', { name: /退出登录/ }).isVisible()).toBe(true);
  await expectAccessible(page);
  await screenshot(page, 'unavailable');

  database.restore();
  await banner.waitFor({ state: 'hidden', timeout: 30_000 });
  await page.getByText('张某盗窃案').waitFor();
  expect(page.url()).toMatch(/q=%E7%9B%97%E7%AA%83/);
});
