import type { Answer } from '../../lib/api-shapes';
import type { common } from '../../lib/words';
import type { ChartOption } from './Chart';
import type { Row } from './DataTable';
import type { words } from './words';

export type Dashboard = Answer<'getDashboard'>;
type W = typeof words.zh;
type C = typeof common.zh;

/** A chart, the lists behind its bars or slices, and its numbers as a table. */
export interface ChartSpec {
  key: string;
  title: string;
  option: ChartOption;
  height: number;
  categoryAxis?: 'x' | 'y';
  /** The list a click on a bar or slice opens. */
  listOf: (seriesIndex: number, dataIndex: number) => string | undefined;
  columns: string[];
  rows: Row[];
}

const BLUE = '#1f4e79';
const COLOURS = ['#1f4e79', '#389e0d', '#cf1322'];
const GREY = '#d9d9d9';
// Room for the value axis's numbers on the left and the category names below, fixed so that a category's
// band is where the test and the bench expect it.
export const COLUMN_GRID = { left: 64, right: 16, top: 24, bottom: 32, outerBoundsMode: 'none' as const };

const search = (params: Record<string, string>) => `/search?${new URLSearchParams(params)}`;
const rowHeight = (rows: number) => Math.max(160, 36 * rows + 48);

/** `narrow`: a phone's width, where the six states' names are written aslant to fit. */
export function stateChart(d: Dashboard, w: W, c: C, narrow: boolean): ChartSpec {
  const name = (state: string) => c[`state_${state}` as keyof C] as string;
  return {
    key: 'state',
    title: w.byState,
    height: narrow ? 300 : 260,
    categoryAxis: 'x',
    option: {
      grid: narrow ? { ...COLUMN_GRID, bottom: 72 } : COLUMN_GRID,
      tooltip: { trigger: 'item' },
      xAxis: {
        type: 'category',
        data: d.byState.map((s) => name(s.state)),
        axisLabel: { interval: 0, rotate: narrow ? 45 : 0 },
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          type: 'bar',
          barMaxWidth: 40,
          name: w.items,
          data: d.byState.map((s) => s.count),
          itemStyle: { color: BLUE },
          label: { show: true, position: 'top' },
          cursor: 'pointer',
        },
      ],
    },
    listOf: (_, i) => search({ state: d.byState[i]!.state }),
    columns: [w.state, w.items],
    rows: d.byState.map((s) => ({
      key: s.state,
      header: name(s.state),
      cells: [
        {
          text: w.count(s.count),
          to: search({ state: s.state }),
          label: w.openList(`${name(s.state)} ${w.count(s.count)}`),
        },
      ],
    })),
  };
}

export function agencyChart(d: Dashboard, w: W): ChartSpec {
  return {
    key: 'agency',
    title: w.byAgency,
    height: rowHeight(d.byAgency.length),
    categoryAxis: 'y',
    option: {
      grid: { left: 8, right: 56, top: 8, bottom: 24 },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: d.byAgency.map((a) => a.name) },
      series: [
        {
          type: 'bar',
          barMaxWidth: 40,
          name: w.items,
          data: d.byAgency.map((a) => a.count),
          itemStyle: { color: BLUE },
          label: { show: true, position: 'right' },
          cursor: 'pointer',
        },
      ],
    },
    listOf: (_, i) => search({ agency: d.byAgency[i]!.code }),
    columns: [w.agency, w.items],
    rows: d.byAgency.map((a) => ({
      key: a.code,
      header: a.name,
      cells: [
        { text: w.count(a.count), to: search({ agency: a.code }), label: w.openList(`${a.name} ${w.count(a.count)}`) },
      ],
    })),
  };
}

export function weeklyChart(d: Dashboard, w: W): ChartSpec {
  const names = [w.registered, w.checkedIn, w.disposed];
  const keys = ['registered', 'checkedIn', 'disposed'] as const;
  // Seizures are listed by the week they fall in; check-ins and disposals by the items' state now.
  const listOf = (series: number, week: Dashboard['weeks'][number]) =>
    series === 0 ? search({ from: week.from, to: week.to }) : search({ state: series === 1 ? 'stored' : 'disposed' });
  return {
    key: 'weekly',
    title: w.weekly,
    height: 300,
    categoryAxis: 'x',
    option: {
      grid: { ...COLUMN_GRID, top: 40 },
      legend: { top: 0 },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'category', data: d.weeks.map((week) => week.from.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: keys.map((key, i) => ({
        type: 'bar',
        barMaxWidth: 24,
        name: names[i],
        data: d.weeks.map((week) => week[key]),
        itemStyle: { color: COLOURS[i] },
        cursor: 'pointer',
      })),
    },
    listOf: (series, i) => listOf(series, d.weeks[i]!),
    columns: [w.week, ...names],
    rows: d.weeks.map((week) => ({
      key: week.from,
      header: w.weekRange(week.from, week.to),
      cells: keys.map((key, i) => ({
        text: String(week[key]),
        to: listOf(i, week),
        label: w.openList(`${w.weekRange(week.from, week.to)} ${names[i]} ${week[key]}`),
      })),
    })),
  };
}

export function zoneChart(d: Dashboard, w: W): ChartSpec {
  type Zone = Dashboard['zones'][number];
  const shown = (z: Zone) => (z.capacity ? w.filled(z.items, z.capacity) : w.uncapped(z.items));
  // Beside the bar, the short form: the table says when a zone has no capacity set.
  const onBar = (z: Zone) => (z.capacity ? w.filled(z.items, z.capacity) : w.count(z.items));
  return {
    key: 'zones',
    title: w.zones,
    height: rowHeight(d.zones.length),
    categoryAxis: 'y',
    option: {
      grid: { left: 8, right: 150, top: 8, bottom: 24 },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: d.zones.map((z) => z.name) },
      series: [
        {
          type: 'bar',
          barMaxWidth: 40,
          stack: 'zone',
          name: w.occupancy,
          data: d.zones.map((z) => z.items),
          itemStyle: { color: BLUE },
          cursor: 'pointer',
        },
        {
          type: 'bar',
          barMaxWidth: 40,
          stack: 'zone',
          name: w.capacity,
          data: d.zones.map((z) => Math.max(0, (z.capacity ?? z.items) - z.items)),
          itemStyle: { color: GREY },
          label: { show: true, position: 'right', formatter: ({ dataIndex }) => onBar(d.zones[dataIndex]!) },
          tooltip: { show: false },
          cursor: 'pointer',
        },
      ],
    },
    listOf: (_, i) => search({ location: d.zones[i]!.code }),
    columns: [w.zone, w.occupancy],
    rows: d.zones.map((z) => ({
      key: z.code,
      header: z.name,
      cells: [{ text: shown(z), to: search({ location: z.code }), label: w.openList(`${z.name} ${shown(z)}`) }],
    })),
  };
}

export function alertChart(alerts: NonNullable<Dashboard['openAlerts']>, w: W): ChartSpec {
  const kind = (k: string) => {
    const word = (w as Record<string, unknown>)[`kind_${k}`];
    return typeof word === 'string' ? word : k;
  };
  return {
    key: 'alerts',
    title: w.alerts,
    height: 260,
    option: {
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'pie',
          name: w.openAlerts,
          radius: ['40%', '68%'],
          data: alerts.byKind.map((a) => ({ name: kind(a.kind), value: a.count })),
          label: { formatter: '{b}: {c}' },
          cursor: 'pointer',
        },
      ],
    },
    listOf: () => '/alerts',
    columns: [w.kind, w.openAlerts],
    rows: alerts.byKind.map((a) => ({
      key: a.kind,
      header: kind(a.kind),
      cells: [
        { text: w.alertCount(a.count), to: '/alerts', label: w.openList(`${kind(a.kind)} ${w.alertCount(a.count)}`) },
      ],
    })),
  };
}
