import { createBrowserRouter, type RouteObject } from 'react-router';
import { Spin } from 'antd';
import { RouteError } from './RouteError';

// Every page loads its code when first opened (the menu's layout too), so that the sign-in page and the scan
// station stay small.
const page = (load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, 'lazy'> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

const loading = <Spin fullscreen />;

export const router = createBrowserRouter([
  {
    path: '/sign-in',
    ...page(() => import('../features/auth/SignInPage')),
    errorElement: <RouteError />,
    hydrateFallbackElement: loading,
  },
  {
    path: '/',
    ...page(() => import('./Layout')),
    errorElement: <RouteError />,
    hydrateFallbackElement: loading,
    children: [
      { index: true, ...page(() => import('./Home')) },
      { path: 'cases', ...page(() => import('../features/cases/CasesPage')) },
      { path: 'cases/:id', ...page(() => import('../features/cases/CasePage')) },
      { path: 'cases/:id/register', ...page(() => import('../features/items/RegisterItemsPage')) },
      { path: 'items/:code', ...page(() => import('../features/items/ItemPage')) },
      { path: 'requests', ...page(() => import('../features/requests/RequestsPage')) },
      { path: 'counter', ...page(() => import('../features/counter/CounterPage')) },
      { path: 'scan', ...page(() => import('../features/scan/ScanStationPage')) },
      { path: '*', ...page(() => import('./NotFound')) },
    ],
  },
]);
