import { useQuery } from '@tanstack/react-query';
import { Card, Col, Flex, Row, Spin, Statistic, Typography } from 'antd';
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dashboardData } from '../../app/pages';
import { api, ok } from '../../lib/api';
import { earlyAnswer } from '../../lib/early';
import { queryClient } from '../../lib/query';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { common } from '../../lib/words';
import { Chart } from './Chart';
import { agencyChart, alertChart, stateChart, weeklyChart, zoneChart, type ChartSpec, type Dashboard } from './charts';
import { DataTable } from './DataTable';
import { words } from './words';

const REFRESH_MS = 60_000;
// Ant Design's md breakpoint: narrower is a phone.
const PHONE = '(max-width: 767.98px)';

// Weeks start on the user's own Mondays, and a week's seizures open as the search's days, in this zone too.
// The first answer is the one main.tsx asked for as the page opened, when it came.
const dashboardQuery = () => {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    queryKey: ['dashboard', timeZone],
    queryFn: async () =>
      (await earlyAnswer<Dashboard>(dashboardData())) ?? ok(api.GET('/dashboard', { params: { query: { timeZone } } })),
    // Fresh for as long as between two refreshes: the page opened just after the early fetch uses its answer.
    staleTime: REFRESH_MS,
  };
};

// The numbers are taken as soon as this page's code arrives, which main.tsx loads beside the app's own
// when the dashboard is opened (ECharts with it), rather than after the layout has been drawn. ECharts is
// not loaded lazily from here: a chart that suspended would be shown only after React's pause before it
// replaces a fallback (300 ms), longer than the code takes to arrive.
void queryClient.prefetchQuery(dashboardQuery());

/** Whether the window is a phone's width, known at the first render (the charts are drawn once, not twice). */
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(PHONE).matches);
  useEffect(() => {
    const query = window.matchMedia(PHONE);
    const changed = () => setNarrow(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return narrow;
}

/** A number above the charts, and the list it opens. */
function StatCard({ title, value, to, testId }: { title: string; value: number; to: string; testId: string }) {
  return (
    <Link to={to} className="dashboard-stat" data-testid={testId}>
      <Card hoverable size="small" style={{ height: '100%' }}>
        <Statistic title={title} value={value} groupSeparator="," />
      </Card>
    </Link>
  );
}

/** A chart in its card: a picture for the eye, a table of links for screen readers and keyboards. */
function ChartCard({ spec, onDrawn, empty }: { spec: ChartSpec; onDrawn: (key: string) => void; empty?: string }) {
  const navigate = useNavigate();
  const titleId = useId();
  const { key, listOf } = spec;
  const pick = useCallback(
    (series: number, index: number) => {
      const to = listOf(series, index);
      if (to) navigate(to);
    },
    [listOf, navigate],
  );
  const drawn = useCallback(() => onDrawn(key), [onDrawn, key]);
  return (
    <section aria-labelledby={titleId} style={{ height: '100%' }}>
      <Card
        title={
          <h2 id={titleId} style={{ fontSize: 16, margin: 0 }}>
            {spec.title}
          </h2>
        }
        style={{ height: '100%' }}
      >
        {empty ? (
          <Typography.Text type="secondary">{empty}</Typography.Text>
        ) : (
          <>
            <Chart
              option={spec.option}
              height={spec.height}
              categoryAxis={spec.categoryAxis}
              onPick={pick}
              onDrawn={drawn}
              testId={`chart-${key}`}
            />
            <DataTable caption={spec.title} columns={spec.columns} rows={spec.rows} />
          </>
        )}
      </Card>
    </section>
  );
}

function Charts({ d }: { d: Dashboard }) {
  const w = useWords(words);
  const c = useWords(common);
  const narrow = useNarrow();
  const [drawn, setDrawn] = useState<ReadonlySet<string>>(new Set());
  const onDrawn = useCallback(
    (key: string) => setDrawn((before) => (before.has(key) ? before : new Set([...before, key]))),
    [],
  );
  const charts = useMemo(() => {
    const all: { spec: ChartSpec; empty?: string }[] = [
      { spec: stateChart(d, w, c, narrow), empty: d.total === 0 ? w.noItems : undefined },
      { spec: agencyChart(d, w), empty: d.byAgency.length === 0 ? w.noItems : undefined },
      { spec: weeklyChart(d, w) },
    ];
    if (d.scope === 'centre') all.push({ spec: zoneChart(d, w), empty: d.zones.length === 0 ? w.noZones : undefined });
    if (d.openAlerts) {
      all.push({ spec: alertChart(d.openAlerts, w), empty: d.openAlerts.total === 0 ? w.noAlerts : undefined });
    }
    return all;
  }, [d, w, c, narrow]);
  const everyDrawn = charts.every(({ spec, empty }) => empty || drawn.has(spec.key));
  return (
    <Row gutter={[16, 16]} data-testid="dashboard-charts" data-drawn={everyDrawn ? 'true' : 'false'}>
      {charts.map(({ spec, empty }) => (
        <Col key={spec.key} xs={24} xl={spec.key === 'weekly' ? 24 : 12}>
          <ChartCard spec={spec} onDrawn={onDrawn} empty={empty} />
        </Col>
      ))}
    </Row>
  );
}

/**
 * The numbers that matter at a glance, for what the user may see: the whole centre for the warehouse,
 * inspectors and administrators, their agency's items for the others. Every number and every bar opens the
 * list behind it.
 */
export default function DashboardPage() {
  const w = useWords(words);
  const { lang } = useLang();
  const dashboard = useQuery({ ...dashboardQuery(), refetchInterval: REFRESH_MS });
  const d = dashboard.data;
  const span = d?.openAlerts ? 6 : 8;
  return (
    <Flex vertical gap={16}>
      <PageTitle
        title={w.title}
        subtitle={d ? (d.scope === 'centre' ? w.subtitleCentre : w.subtitleAgency) : undefined}
      />
      {dashboard.error ? (
        <ProblemAlert error={dashboard.error} />
      ) : !d ? (
        <Spin />
      ) : (
        <>
          <Row gutter={[16, 16]}>
            <Col xs={12} md={span}>
              <StatCard title={w.total} value={d.total} to="/search" testId="stat-total" />
            </Col>
            <Col xs={12} md={span}>
              <StatCard title={w.overdueLoans} value={d.overdueLoans} to="/loans" testId="stat-overdue" />
            </Col>
            <Col xs={12} md={span}>
              <StatCard title={w.dueReviews} value={d.dueReviews} to="/reviews" testId="stat-reviews" />
            </Col>
            {d.openAlerts && (
              <Col xs={12} md={span}>
                <StatCard title={w.openAlerts} value={d.openAlerts.total} to="/alerts" testId="stat-alerts" />
              </Col>
            )}
          </Row>
          <Charts d={d} />
          <Typography.Text type="secondary">{w.asOf(formatTime(d.asOf, lang))}</Typography.Text>
        </>
      )}
    </Flex>
  );
}
