import path from 'node:path';
import { matchRoutes, type RouteObject } from 'react-router';

// Loaded by path, as tests/words.test.ts loads the word files: the console compiles under its own settings.
interface Page {
  path?: string;
  children?: Page[];
}
interface PagesModule {
  pages: Page[];
  pagesAt(pathname: string): Page[];
}
let pages: Page[];
let pagesAt: PagesModule['pagesAt'];
beforeAll(async () => {
  ({ pages, pagesAt } = (await import(path.join(__dirname, '..', 'web', 'src', 'app', 'pages.ts'))) as PagesModule);
});

// The console's entry starts loading the opened page's code before the router exists, with its own small
// matcher over the router's table: the two must agree, or a page would load its code twice as late.
type Routed = RouteObject & { page: Page };
const toRoute = (page: Page): Routed =>
  page.path === undefined ? { index: true, page } : { path: page.path, page, children: page.children?.map(toRoute) };

const PATHS = [
  '/',
  '/sign-in',
  '/cases',
  '/cases/3f0c2a9e-1d2b-4c5d-8e6f-001122334455',
  '/cases/3f0c2a9e-1d2b-4c5d-8e6f-001122334455/register',
  '/cases/3f0c2a9e/register/extra',
  '/items/7K3M9QX2PA',
  '/requests',
  '/counter',
  '/scan',
  '/scan/',
  '/no/such/page',
  '/sign-in/more',
  '/verify',
  '/inventories/3f0c2a9e-1d2b-4c5d-8e6f-001122334455',
];

test.each(PATHS)('%s opens the pages the router opens', (path) => {
  const routed = (matchRoutes(pages.map(toRoute), path) ?? []).map((match) => (match.route as Routed).page);
  expect(routed.length).toBeGreaterThan(0);
  expect(pagesAt(path)).toEqual(routed);
});
