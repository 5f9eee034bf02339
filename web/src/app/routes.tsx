import { createBrowserRouter, type RouteObject } from 'react-router';
import { RouteError } from './RouteError';
import { pages, type Page } from './pages';

function route(page: Page, top: boolean): RouteObject {
  const lazy = async () => ({ Component: (await page.load()).default });
  const children = page.children?.map((child) => route(child, false));
  const own = top ? { errorElement: <RouteError /> } : {};
  return page.path === undefined ? { index: true, lazy } : { path: page.path, lazy, children, ...own };
}

export const router = createBrowserRouter(pages.map((page) => route(page, true)));
