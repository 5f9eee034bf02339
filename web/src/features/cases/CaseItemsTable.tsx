import { useVirtualizer } from '@tanstack/react-virtual';
import { Checkbox, Skeleton, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { common } from '../../lib/words';
import { ITEM_PAGE, useCaseItemPages } from './api';
import { words } from './words';

const ROW_HEIGHT = 44;
const COLUMNS = '44px 170px 64px 104px minmax(220px, 1fr) 96px 150px';

const cell: React.CSSProperties = {
  padding: '0 8px',
  overflow: 'hidden',
  textOverflow: 'ellipsis',
  whiteSpace: 'nowrap',
  display: 'flex',
  alignItems: 'center',
};

/**
 * A case's items, however many: only the rows in view are in the page (and a few either side), and the pages
 * of the server's list that hold them are fetched as they scroll into view.
 */
export function CaseItemsTable({
  caseId,
  selected,
  onSelect,
}: {
  caseId: string;
  selected: ReadonlySet<string>;
  onSelect(next: Set<string>): void;
}) {
  const w = useWords(words);
  const c = useWords(common);
  const navigate = useNavigate();
  const scroller = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState({ first: 0, last: ITEM_PAGE - 1 });
  const { rows, total, error } = useCaseItemPages(caseId, range.first, range.last);

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    onChange: (v) => {
      // The rows in the page, overscan included: a row drawn must be a row fetched.
      const drawn = v.getVirtualIndexes();
      const first = drawn[0] ?? 0;
      const last = drawn.at(-1) ?? 0;
      // Only a move to another page of the server's list needs new state.
      setRange((now) =>
        Math.floor(now.first / ITEM_PAGE) === Math.floor(first / ITEM_PAGE) &&
        Math.floor(now.last / ITEM_PAGE) === Math.floor(last / ITEM_PAGE)
          ? now
          : { first, last },
      );
    },
  });

  const loaded = [...rows.values()];
  const allLoadedSelected = loaded.length > 0 && loaded.every((item) => selected.has(item.code));
  const toggle = (code: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(code);
    else next.delete(code);
    onSelect(next);
  };

  if (error) return <ProblemAlert error={error} />;
  if (total === 0) return <Typography.Text type="secondary">{w.noItems}</Typography.Text>;

  return (
    <div
      ref={scroller}
      data-testid="case-items"
      style={{
        height: 'max(320px, calc(100vh - 330px))',
        overflow: 'auto',
        border: '1px solid #f0f0f0',
        borderRadius: 8,
        background: '#fff',
      }}
    >
      <div role="table" aria-label={w.items} aria-rowcount={(total ?? 0) + 1} style={{ minWidth: 860 }}>
        <div role="rowgroup" style={{ position: 'sticky', top: 0, zIndex: 1, background: '#fafafa' }}>
          <div
            role="row"
            aria-rowindex={1}
            style={{
              display: 'grid',
              gridTemplateColumns: COLUMNS,
              height: ROW_HEIGHT,
              fontWeight: 600,
              borderBottom: '1px solid #f0f0f0',
            }}
          >
            <div role="columnheader" style={cell}>
              <Checkbox
                aria-label={w.selectLoaded}
                checked={allLoadedSelected}
                indeterminate={!allLoadedSelected && loaded.some((item) => selected.has(item.code))}
                onChange={(event) => {
                  const next = new Set(selected);
                  for (const item of loaded) {
                    if (event.target.checked) next.add(item.code);
                    else next.delete(item.code);
                  }
                  onSelect(next);
                }}
              />
            </div>
            {[w.code, w.itemNo, w.category, w.description, w.state, w.place].map((title) => (
              <div role="columnheader" key={title} style={cell}>
                {title}
              </div>
            ))}
          </div>
        </div>
        <div role="rowgroup" style={{ position: 'relative', height: virtualizer.getTotalSize() }}>
          {total === undefined && <Skeleton active paragraph={{ rows: 6 }} style={{ padding: 16 }} />}
          {virtualizer.getVirtualItems().map((row) => {
            const item = rows.get(row.index);
            return (
              <div
                role="row"
                key={row.key}
                aria-rowindex={row.index + 2}
                data-testid="case-item-row"
                onClick={item ? () => navigate(`/items/${item.code}`) : undefined}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  width: '100%',
                  height: ROW_HEIGHT,
                  transform: `translateY(${row.start}px)`,
                  display: 'grid',
                  gridTemplateColumns: COLUMNS,
                  borderBottom: '1px solid #f0f0f0',
                  cursor: item ? 'pointer' : undefined,
                  background: item && selected.has(item.code) ? '#e6f4ff' : undefined,
                }}
              >
                {item ? (
                  <>
                    <div role="cell" style={cell} onClick={(event) => event.stopPropagation()}>
                      <Checkbox
                        aria-label={w.selectItem(item.itemNo)}
                        checked={selected.has(item.code)}
                        onChange={(event) => toggle(item.code, event.target.checked)}
                      />
                    </div>
                    <div role="cell" style={cell}>
                      <Link to={`/items/${item.code}`} onClick={(event) => event.stopPropagation()}>
                        <ItemCode code={item.code} />
                      </Link>
                    </div>
                    <div role="cell" style={cell}>
                      {item.itemNo}
                    </div>
                    <div role="cell" style={cell}>
                      {c[`category_${item.category}`]}
                    </div>
                    <div role="cell" style={cell} title={item.description}>
                      {item.description}
                    </div>
                    <div role="cell" style={cell}>
                      <Tag>{c[`state_${item.state}`]}</Tag>
                    </div>
                    <div role="cell" style={cell}>
                      {item.locationCode ?? w.noPlace}
                    </div>
                  </>
                ) : (
                  <div role="cell" style={{ ...cell, gridColumn: '1 / -1', color: '#8c8c8c' }}>
                    {w.loadingRow(row.index + 1)}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
