import { pagesAt } from './app/pages';
import { askEarly } from './lib/early';
import './index.css';

// The opened page's code loads beside React's and Ant Design's rather than after them, and is there when the
// router starts; a page that fails to load here is reported by the router, which loads it again. What it
// needs first is asked for at the same time.
for (const page of pagesAt(window.location.pathname)) {
  page.load().catch(() => undefined);
  if (page.early) askEarly(page.early());
}
void import('./app/start');
