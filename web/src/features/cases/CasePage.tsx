import { ArrowLeftOutlined, PlusOutlined, PrinterOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Button, Descriptions, Empty, Flex, Space, Spin, Tag, Typography, theme } from 'antd';
import { useEffect, useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { ProblemAlert } from '../../components/ProblemAlert';
import { api, ok } from '../../lib/api';
import type { Answer } from '../../lib/api-shapes';
import { formatDate } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { words } from './words';

type ItemRow = Answer<'getItems'>['items'][number];
const PAGE_SIZE = 200;
const ROW_HEIGHT = 41;
const COLUMNS = '170px 64px 120px minmax(200px, 1fr) 110px 150px';

/** The case's items, page after page as the table scrolls: a case of thousands shows its first rows at once. */
function CaseItems({ caseId }: { caseId: string }) {
  const w = useWords(words);
  const navigate = useNavigate();
  const { token } = theme.useToken();
  const scroller = useRef<HTMLDivElement>(null);

  const items = useInfiniteQuery({
    queryKey: ['items', { caseId, sort: 'itemNo' }],
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      ok(
        api.GET('/items', {
          params: { query: { caseId, sort: 'itemNo', order: 'asc', limit: PAGE_SIZE, offset: pageParam } },
        }),
      ),
    getNextPageParam: (last) =>
      last.offset + last.items.length < last.total ? last.offset + last.items.length : undefined,
  });
  const rows: ItemRow[] = items.data?.pages.flatMap((p) => p.items) ?? [];
  const total = items.data?.pages[0]?.total ?? 0;

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const visible = virtualizer.getVirtualItems();
  const lastIndex = visible[visible.length - 1]?.index ?? -1;

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = items;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - 50) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, rows.length]);

  const cell = { padding: '8px 12px', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } as const;
  const grid = { display: 'grid', gridTemplateColumns: COLUMNS, alignItems: 'center', minWidth: 820 } as const;

  if (items.error) return <ProblemAlert error={items.error} />;
  if (items.isPending) return <Spin />;
  if (rows.length === 0) return <Empty description={w.noItems} />;

  return (
    <Flex vertical gap={8}>
      <Typography.Text type="secondary">{w.itemsTotal(total)}</Typography.Text>
      <div
        ref={scroller}
        role="table"
        aria-label={w.items}
        aria-rowcount={total + 1}
        tabIndex={0}
        style={{
          height: 'min(60vh, 600px)',
          overflow: 'auto',
          border: `1px solid ${token.colorBorderSecondary}`,
          borderRadius: token.borderRadius,
          background: token.colorBgContainer,
        }}
      >
        <div role="rowgroup" style={{ position: 'sticky', top: 0, zIndex: 1, background: token.colorFillAlter }}>
          <div
            role="row"
            aria-rowindex={1}
            style={{ ...grid, fontWeight: 600, borderBottom: `1px solid ${token.colorBorderSecondary}` }}
          >
            {[w.code, w.itemNo, w.category, w.description, w.state, w.place].map((title) => (
              <div key={title} role="columnheader" style={cell}>
                {title}
              </div>
            ))}
          </div>
        </div>
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative', minWidth: 820 }}>
          {visible.map((v) => {
            const item = rows[v.index]!;
            return (
              <div
                key={item.code}
                role="row"
                aria-rowindex={v.index + 2}
                data-testid="case-item"
                onClick={() => navigate(`/items/${item.code}`)}
                style={{
                  ...grid,
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${v.start}px)`,
                  borderBottom: `1px solid ${token.colorBorderSecondary}`,
                  cursor: 'pointer',
                }}
              >
                <div role="cell" style={cell}>
                  <Link to={`/items/${item.code}`} onClick={(event) => event.stopPropagation()}>
                    <ItemCode code={item.code} />
                  </Link>
                </div>
                <div role="cell" style={cell}>
                  {item.itemNo}
                </div>
                <div role="cell" style={cell}>
                  {w[`cat_${item.category}`]}
                </div>
                <div role="cell" style={cell} title={item.description}>
                  {item.description}
                </div>
                <div role="cell" style={cell}>
                  <Tag>{w[`state_${item.state}`]}</Tag>
                </div>
                <div role="cell" style={cell}>
                  {item.locationCode ?? w.noPlace}
                </div>
              </div>
            );
          })}
        </div>
      </div>
      {isFetchingNextPage && <Typography.Text type="secondary">{w.loadingMore}</Typography.Text>}
    </Flex>
  );
}

export default function CasePage() {
  const w = useWords(words);
  const { lang } = useLang();
  const { data: me } = useMe();
  const { id = '' } = useParams();
  const found = useQuery({
    queryKey: ['case', id],
    queryFn: () => ok(api.GET('/cases/{id}', { params: { path: { id } } })),
  });
  const c = found.data;
  const canWork = hasRole(me, 'officer', 'clerk');

  const printLabels = () => {
    const query = new URLSearchParams({ lang });
    window.open(`/api/v1/cases/${encodeURIComponent(id)}/labels.pdf?${query}`, '_blank', 'noopener');
  };

  return (
    <Flex vertical gap={16}>
      <div>
        <Link to="/cases">
          <ArrowLeftOutlined /> {w.backToCases}
        </Link>
      </div>
      {found.error && <ProblemAlert error={found.error} />}
      {found.isPending && <Spin />}
      {c && (
        <>
          <Flex justify="space-between" align="center" wrap gap={8}>
            <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
              {c.caseNumber}
            </Typography.Title>
            {canWork && (
              <Space wrap>
                <Link to={`/cases/${c.id}/register`}>
                  <Button type="primary" icon={<PlusOutlined />} tabIndex={-1}>
                    {w.registerItems}
                  </Button>
                </Link>
                <Button icon={<PrinterOutlined />} onClick={printLabels}>
                  {w.printLabels}
                </Button>
              </Space>
            )}
          </Flex>
          <Descriptions
            size="small"
            bordered
            column={{ xs: 1, sm: 1, md: 3 }}
            items={[
              { key: 'title', label: w.caseTitle, children: c.title },
              { key: 'openedOn', label: w.openedOn, children: formatDate(c.openedOn, lang) },
              {
                key: 'status',
                label: w.status,
                children: <Tag color={c.status === 'open' ? 'blue' : 'default'}>{w[`status_${c.status}`]}</Tag>,
              },
            ]}
          />
          <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
            {w.items}
          </Typography.Title>
          <CaseItems caseId={c.id} />
        </>
      )}
    </Flex>
  );
}
