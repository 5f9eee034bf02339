import type { ComponentType } from 'react';

/**
 * The console's pages by path. Every page loads its code when first opened (the menu's layout too), so that
 * the sign-in page and the scan station stay small. This module imports nothing else: the entry point uses
 * it to start loading the opened page's code (and the data it needs first) beside the app's own, instead of
 * after it (routes.tsx builds the router from the same table).
 */
export interface Page {
  /** Relative to the parent's, `:name` for a parameter, `*` for anything else; absent for the index page. */
  path?: string;
  load: () => Promise<{ default: ComponentType }>;
  /** An API address whose answer the page needs first: the entry point asks for it beside the page's code. */
  early?: () => string;
  children?: Page[];
}

/** The dashboard's numbers in the user's own time zone, whose Mondays start its weeks. */
export const dashboardData = () =>
  `/api/v1/dashboard?${new URLSearchParams({ timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone })}`;

export const pages: Page[] = [
  { path: '/sign-in', load: () => import('../features/auth/SignInPage') },
  { path: '/verify', load: () => import('../features/verifier/VerifierPage') },
  {
    path: '/',
    load: () => import('./Layout'),
    children: [
      { load: () => import('./Home') },
      { path: 'dashboard', load: () => import('../features/dashboard/DashboardPage'), early: dashboardData },
      { path: 'cases', load: () => import('../features/cases/CasesPage') },
      { path: 'cases/:id', load: () => import('../features/cases/CasePage') },
      { path: 'cases/:id/register', load: () => import('../features/items/RegisterItemsPage') },
      { path: 'items/:code', load: () => import('../features/items/ItemPage') },
      { path: 'requests', load: () => import('../features/requests/RequestsPage') },
      { path: 'decisions', load: () => import('../features/requests/DecisionsPage') },
      { path: 'transfers', load: () => import('../features/requests/OffersPage') },
      { path: 'reviews', load: () => import('../features/reviews/ReviewsPage') },
      { path: 'ledger', load: () => import('../features/ledger/LedgerPage') },
      { path: 'search', load: () => import('../features/search/SearchPage') },
      { path: 'loans', load: () => import('../features/loans/LoansPage') },
      { path: 'alerts', load: () => import('../features/alerts/AlertsPage') },
      { path: 'inventories', load: () => import('../features/inventories/InventoriesPage') },
      { path: 'inventories/:id', load: () => import('../features/inventories/InventoryPage') },
      { path: 'lockers', load: () => import('../features/lockers/LockersPage') },
      { path: 'counter', load: () => import('../features/counter/CounterPage') },
      { path: 'scan', load: () => import('../features/scan/ScanStationPage') },
      { path: 'admin/users', load: () => import('../features/admin/UsersPage') },
      { path: 'admin/agencies', load: () => import('../features/admin/AgenciesPage') },
      { path: 'admin/locations', load: () => import('../features/admin/LocationsPage') },
      { path: 'admin/devices', load: () => import('../features/admin/DevicesPage') },
      { path: 'admin/clients', load: () => import('../features/admin/ClientsPage') },
      { path: 'admin/webhooks', load: () => import('../features/admin/WebhooksPage') },
      { path: 'admin/keys', load: () => import('../features/admin/KeysPage') },
      { path: 'admin/log', load: () => import('../features/admin/DirectoryLogPage') },
      { path: '*', load: () => import('./NotFound') },
    ],
  },
];

/** The pages a path opens, outermost first; empty when none does. */
export function pagesAt(pathname: string, within: Page[] = pages): Page[] {
  const segments = pathname.split('/').filter(Boolean);
  for (const page of within) {
    if (page.path === '*') return [page];
    const own = (page.path ?? '').split('/').filter(Boolean);
    if (own.length > segments.length || !own.every((part, i) => part.startsWith(':') || part === segments[i])) {
      continue;
    }
    const rest = segments.slice(own.length);
    if (page.children) {
      const below = pagesAt(rest.join('/'), page.children);
      if (below.length) return [page, ...below];
    } else if (rest.length === 0) {
      return [page];
    }
  }
  return [];
}
