import { Button, Flex, Input, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useAgencies } from '../../lib/agencies';
import { useWords } from '../../lib/i18n';
import { tones } from '../../lib/tones';
import { serverWord, common } from '../../lib/words';
import { useLocations, type Location, type LocationKind } from './api';
import { kindsInside, LocationDialog } from './LocationDialog';
import { LocationLabelsDialog } from './LocationLabelsDialog';
import { words } from './locations.words';
import { admin } from './words';

interface Row extends Location {
  /** The codes above it, outermost first: shown when a search lists places out of their tree. */
  above: string[];
  children?: Row[];
}

/** The flat list (parents first, in path order) as a tree, siblings by code. */
function treeOf(list: Location[]): { roots: Row[]; rows: Row[] } {
  const byId = new Map<string, Row>();
  const roots: Row[] = [];
  for (const location of list) {
    const parent = location.parentId ? byId.get(location.parentId) : undefined;
    const row: Row = { ...location, above: parent ? [...parent.above, parent.code] : [] };
    byId.set(row.id, row);
    if (parent) (parent.children ??= []).push(row);
    else roots.push(row);
  }
  // Siblings by code, as people look for them (the path orders them by id).
  const byCode = (rows: Row[]) => {
    rows.sort((x, y) => x.code.localeCompare(y.code));
    for (const row of rows) if (row.children) byCode(row.children);
  };
  byCode(roots);
  return { roots, rows: [...byId.values()] };
}

// Opened at first down to the shelves and lockers; their bins and compartments one click away.
const OPENED: LocationKind[] = ['site', 'zone', 'room'];

/** The location tree: each place with its rules; places added inside, rules changed, labels printed. */
export default function LocationsPage() {
  const w = useWords(words);
  const a = useWords(admin);
  const c = useWords(common);
  const locations = useLocations();
  const agencies = useAgencies();
  const [search, setSearch] = useState('');
  const [expanded, setExpanded] = useState<readonly React.Key[]>();
  const [dialog, setDialog] = useState<{ parent: Location | null; editing?: Location }>();
  const [labels, setLabels] = useState<string>();
  const tree = useMemo(() => treeOf(locations.data ?? []), [locations.data]);
  const agency = new Map(agencies.data?.items.map((g) => [g.id, g]));
  const needle = search.trim().toLowerCase();
  const found = needle
    ? tree.rows
        .filter((l) => l.code.toLowerCase().includes(needle) || l.name.toLowerCase().includes(needle))
        .map(({ children: _children, ...row }) => row)
    : tree.roots;
  const opened = expanded ?? tree.rows.filter((l) => OPENED.includes(l.kind as LocationKind)).map((l) => l.id);

  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Flex gap={12} wrap align="center" justify="space-between">
        <Flex gap={12} align="center">
          <Input.Search
            aria-label={w.search}
            placeholder={w.searchHint}
            allowClear
            onChange={(e) => setSearch(e.target.value)}
            style={{ width: 260 }}
          />
          <Typography.Text type="secondary">{locations.data && w.count(locations.data.length)}</Typography.Text>
        </Flex>
        <Button type="primary" onClick={() => setDialog({ parent: null })}>
          {w.createSite}
        </Button>
      </Flex>
      {locations.error ? (
        <ProblemAlert error={locations.error} />
      ) : (
        <Table<Row>
          rowKey="id"
          size="small"
          loading={locations.isFetching}
          dataSource={found}
          pagination={false}
          scroll={{ x: 1150 }}
          expandable={{ expandedRowKeys: opened, onExpandedRowsChange: setExpanded }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          columns={[
            {
              key: 'code',
              title: w.code,
              width: 260,
              render: (_, l) => (
                <span>
                  {needle && l.above.length > 0 && (
                    <Typography.Text type="secondary">{l.above.join(' / ')} / </Typography.Text>
                  )}
                  <Typography.Text strong>{l.code}</Typography.Text>
                </span>
              ),
            },
            { key: 'name', title: w.name, dataIndex: 'name', width: 160 },
            {
              key: 'kind',
              title: w.kind,
              width: 90,
              render: (_, l) => a[`locationKind_${l.kind as LocationKind}`] ?? l.kind,
            },
            {
              key: 'reserved',
              title: w.reservedShort,
              width: 150,
              render: (_, l) => l.reservedAgencyId && (agency.get(l.reservedAgencyId)?.name ?? l.reservedAgencyId),
            },
            {
              key: 'categories',
              title: w.categoriesShort,
              render: (_, l) =>
                l.allowedCategories && (
                  <Flex gap={4} wrap>
                    {l.allowedCategories.map((cat) => (
                      <Tag key={cat}>{serverWord(c, 'category', cat)}</Tag>
                    ))}
                  </Flex>
                ),
            },
            {
              key: 'features',
              title: w.features,
              width: 130,
              render: (_, l) => (
                <Flex gap={4} wrap>
                  {l.features.map((f) => (
                    <Tag key={f} style={tones.blue}>
                      {a[`feature_${f as 'safe'}`] ?? f}
                    </Tag>
                  ))}
                </Flex>
              ),
            },
            { key: 'capacity', title: w.capacityShort, width: 80, render: (_, l) => l.capacity ?? '' },
            {
              key: 'actions',
              title: a.actions,
              width: 330,
              render: (_, l) => (
                <Flex gap={8} wrap align="center" data-testid="location-actions">
                  <Button size="small" onClick={() => setDialog({ parent: null, editing: l })}>
                    {a.edit}
                  </Button>
                  {kindsInside(l).length > 0 && (
                    <Button size="small" onClick={() => setDialog({ parent: l })}>
                      {w.addInside}
                    </Button>
                  )}
                  <Button size="small" onClick={() => setLabels(l.code)}>
                    {w.labels}
                  </Button>
                  <Link to={`/admin/log?subject=${l.id}`}>{a.history}</Link>
                </Flex>
              ),
            },
          ]}
        />
      )}
      <LocationDialog
        open={!!dialog}
        parent={dialog?.parent ?? null}
        editing={dialog?.editing}
        onClose={() => setDialog(undefined)}
      />
      <LocationLabelsDialog code={labels} onClose={() => setLabels(undefined)} />
    </Flex>
  );
}
