import {
  AlertOutlined,
  AuditOutlined,
  CalendarOutlined,
  CheckSquareOutlined,
  ExportOutlined,
  FolderOpenOutlined,
  InboxOutlined,
  LogoutOutlined,
  MenuOutlined,
  OrderedListOutlined,
  SafetyCertificateOutlined,
  SearchOutlined,
  ScanOutlined,
  SwapOutlined,
} from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Dropdown, Grid, Layout as AntLayout, Menu, Space, Spin, Typography } from 'antd';
import { Suspense, useEffect, useState } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { api, onSessionExpired, onUnavailable } from '../lib/api';
import { openLive, useLiveConnected } from '../lib/live';
import type { Role } from '../lib/api-shapes';
import { useLang, useWords } from '../lib/i18n';
import { hasRole, languageKept, ME_KEY, useMe } from '../lib/session';
import { common } from '../lib/words';
import { Bell } from './live/Bell';
import { LiveAlerts } from './live/LiveAlerts';
import { shell } from './words';

interface MenuEntry {
  path: string;
  word: keyof typeof shell.zh;
  icon: React.ReactNode;
  roles: Role[];
  /** A submenu: its own path is only its key. */
  children?: MenuEntry[];
}

// What the menu offers follows what the server lets each role do; the server still decides every request.
const MENU: MenuEntry[] = [
  {
    path: '/dashboard',
    word: 'dashboard',
    icon: null,
    roles: ['officer', 'clerk', 'approver', 'warehouse', 'inspector', 'admin'],
  },
  { path: '/cases', word: 'cases', icon: <FolderOpenOutlined />, roles: ['officer', 'clerk', 'approver', 'inspector'] },
  { path: '/requests', word: 'requests', icon: <AuditOutlined />, roles: ['officer', 'clerk', 'approver'] },
  { path: '/decisions', word: 'decisions', icon: <CheckSquareOutlined />, roles: ['approver'] },
  { path: '/transfers', word: 'transfers', icon: <InboxOutlined />, roles: ['officer', 'clerk', 'approver'] },
  { path: '/reviews', word: 'reviews', icon: <CalendarOutlined />, roles: ['officer', 'clerk', 'approver'] },
  { path: '/search', word: 'search', icon: <SearchOutlined />, roles: ['inspector', 'admin'] },
  { path: '/ledger', word: 'ledger', icon: <SafetyCertificateOutlined />, roles: ['inspector', 'admin'] },
  { path: '/counter', word: 'counter', icon: <SwapOutlined />, roles: ['warehouse'] },
  { path: '/scan', word: 'scan', icon: <ScanOutlined />, roles: ['warehouse'] },
  { path: '/loans', word: 'loans', icon: <ExportOutlined />, roles: ['warehouse', 'approver', 'inspector'] },
  { path: '/alerts', word: 'alerts', icon: <AlertOutlined />, roles: ['warehouse', 'approver', 'inspector', 'admin'] },
  {
    path: '/inventories',
    word: 'inventories',
    icon: <OrderedListOutlined />,
    roles: ['warehouse', 'inspector', 'admin'],
  },
  { path: '/lockers', word: 'lockers', icon: null, roles: ['warehouse', 'inspector', 'admin'] },
  {
    path: '/admin',
    word: 'admin',
    icon: null,
    roles: ['admin', 'inspector'],
    children: [
      { path: '/admin/users', word: 'adminUsers', icon: null, roles: ['admin'] },
      { path: '/admin/agencies', word: 'adminAgencies', icon: null, roles: ['admin'] },
      { path: '/admin/locations', word: 'adminLocations', icon: null, roles: ['admin'] },
      { path: '/admin/devices', word: 'adminDevices', icon: null, roles: ['admin'] },
      { path: '/admin/clients', word: 'adminClients', icon: null, roles: ['admin'] },
      { path: '/admin/webhooks', word: 'adminWebhooks', icon: null, roles: ['admin'] },
      { path: '/admin/keys', word: 'adminKeys', icon: null, roles: ['admin'] },
      { path: '/admin/log', word: 'adminLog', icon: null, roles: ['admin', 'inspector'] },
    ],
  },
];

export function signInPath(location: { pathname: string; search: string }) {
  const next = location.pathname + location.search;
  return next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}

function UnavailableBanner() {
  const w = useWords(common);
  const [unavailable, setUnavailable] = useState(false);
  useEffect(() => onUnavailable(setUnavailable), []);
  if (!unavailable) return null;
  return <Alert type="warning" banner showIcon title={w.unavailable} role="status" />;
}

export default function Layout() {
  const w = useWords(shell);
  const c = useWords(common);
  const { adopt } = useLang();
  const { data: me, isPending, error, refetch } = useMe();
  const queryClient = useQueryClient();
  const location = useLocation();
  const navigate = useNavigate();
  // A phone's header has no room for the menu's entries: they open from a button instead.
  const narrow = !Grid.useBreakpoint().md;

  useEffect(() => onSessionExpired(() => queryClient.setQueryData(ME_KEY, null)), [queryClient]);
  // The signed-in user's own language, wherever they chose it.
  useEffect(() => {
    if (me?.language) adopt(me.language);
  }, [me?.language, adopt]);
  // What changes reaches every page while someone is signed in (alerts, requests, scans, counts).
  const signedIn = !!me && !me.mustChangePassword;
  useEffect(() => (signedIn ? openLive(queryClient) : undefined), [signedIn, me?.id, queryClient]);
  const live = useLiveConnected();

  if (isPending) return <Spin fullscreen tip={c.loading} />;
  if (error) {
    return (
      <Alert
        type="error"
        title={c.networkDown}
        description={error.message}
        action={<Button onClick={() => refetch()}>{c.retry}</Button>}
        style={{ margin: 24 }}
      />
    );
  }
  if (!me || me.mustChangePassword) return <Navigate to={signInPath(location)} replace />;

  const signOut = async () => {
    await languageKept();
    await api.POST('/auth/logout');
    queryClient.clear();
    navigate('/sign-in', { replace: true });
  };
  const allowed = (list: MenuEntry[]) => list.filter((entry) => hasRole(me, ...entry.roles));
  const entries = allowed(MENU);
  const selected = entries
    .flatMap((entry) => (entry.children ? allowed(entry.children) : [entry]))
    .find((entry) => location.pathname.startsWith(entry.path))?.path;
  const items = entries.map((entry) => ({
    key: entry.path,
    icon: entry.icon,
    label: w[entry.word],
    children: entry.children && allowed(entry.children).map((child) => ({ key: child.path, label: w[child.word] })),
  }));

  return (
    <AntLayout style={{ minHeight: '100vh' }}>
      <AntLayout.Header
        data-live={live ? 'on' : 'off'}
        style={{ display: 'flex', alignItems: 'center', gap: 16, paddingInline: 16, background: '#1f4e79' }}
      >
        <Typography.Text strong style={{ color: '#fff', fontSize: 16, whiteSpace: 'nowrap' }}>
          {c.appName}
        </Typography.Text>
        {narrow ? (
          <div style={{ flex: 1 }}>
            <Dropdown
              trigger={['click']}
              menu={{ items, selectedKeys: selected ? [selected] : [], onClick: ({ key }) => navigate(key) }}
            >
              <Button type="text" icon={<MenuOutlined />} aria-label={w.menu} style={{ color: '#fff' }} />
            </Dropdown>
          </div>
        ) : (
          <Menu
            theme="dark"
            mode="horizontal"
            aria-label={w.menu}
            selectedKeys={selected ? [selected] : []}
            items={items}
            onClick={({ key }) => navigate(key)}
            style={{ flex: 1, minWidth: 0, background: 'transparent' }}
          />
        )}
        <Space size="middle">
          <Typography.Text
            className="wide-only"
            style={{ color: '#fff', whiteSpace: 'nowrap' }}
            data-testid="signed-in-user"
          >
            <span className="visually-hidden">{w.signedInAs} </span>
            {me.displayName}
          </Typography.Text>
          <Bell />
          <LanguageSwitch dark />
          <Button icon={<LogoutOutlined />} onClick={signOut} aria-label={c.signOut}>
            <span className="wide-only">{c.signOut}</span>
          </Button>
        </Space>
      </AntLayout.Header>
      <UnavailableBanner />
      <LiveAlerts />
      <AntLayout.Content style={{ padding: 16 }}>
        <ErrorBoundary title={c.crashed} action={c.reload}>
          <Suspense fallback={<Spin tip={c.loading} />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </AntLayout.Content>
    </AntLayout>
  );
}
