import { pagesAt } from './app/pages';
import './index.css';

// The opened page's code loads beside React's and Ant Design's rather than after them, and is there when the
// router starts; a page that fails to load here is reported by the router, which loads it again.
for (const page of pagesAt(window.location.pathname)) page.load().catch(() => undefined);
void import('./app/start');
