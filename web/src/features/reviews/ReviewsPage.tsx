import { Button, Card, Flex, Pagination, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ItemLink } from '../../components/ItemLink';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDate, formatItemCode } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { tones } from '../../lib/tones';
import { common } from '../../lib/words';
import { RequestDialog } from '../requests';
import { useDueItems, type DueItem } from './api';
import { words } from './words';

const PAGE_SIZE = 200;

/** One case's due items: those not on hold can be chosen and a disposal filed for them. */
function CaseItems({ caseNumber, items }: { caseNumber: string; items: DueItem[] }) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const [chosen, setChosen] = useState<string[]>([]);
  const [filing, setFiling] = useState(false);
  return (
    <Card
      data-testid="review-case"
      title={
        <Link to={`/cases/${items[0]!.caseId}`}>
          <h2 style={{ fontSize: 16, margin: 0 }}>{w.caseTitle(caseNumber)}</h2>
        </Link>
      }
      extra={
        <Button type="primary" disabled={chosen.length === 0} onClick={() => setFiling(true)}>
          {w.fileDisposal(chosen.length)}
        </Button>
      }
    >
      <Table<DueItem>
        rowKey="code"
        size="small"
        pagination={false}
        dataSource={items}
        rowSelection={{
          selectedRowKeys: chosen,
          onChange: (keys) => setChosen(keys as string[]),
          // The server refuses to dispose of an item on hold: it is shown, not offered.
          getCheckboxProps: (item) => ({
            disabled: !!item.legalHold,
            'aria-label': w.selectItem(formatItemCode(item.code)),
          }),
        }}
        columns={[
          {
            key: 'code',
            title: w.code,
            width: 150,
            render: (_, item) => <ItemLink code={item.code} />,
          },
          { key: 'category', title: w.category, width: 100, render: (_, item) => c[`category_${item.category}`] },
          { key: 'description', title: w.description, dataIndex: 'description', ellipsis: true },
          { key: 'state', title: w.state, width: 100, render: (_, item) => <Tag>{c[`state_${item.state}`]}</Tag> },
          { key: 'place', title: w.place, width: 120, render: (_, item) => item.locationCode ?? '' },
          {
            key: 'reviewDate',
            title: w.reviewDate,
            width: 120,
            render: (_, item) => formatDate(item.reviewDate, lang),
          },
          {
            key: 'hold',
            title: w.hold,
            width: 160,
            render: (_, item) =>
              item.legalHold && (
                <Tag style={tones.red} data-testid="review-hold">
                  {w.onHold}: {item.holdReason}
                </Tag>
              ),
          },
        ]}
      />
      <RequestDialog
        codes={chosen}
        kind="disposal"
        open={filing}
        onClose={() => {
          setFiling(false);
          setChosen([]);
        }}
      />
    </Card>
  );
}

/** Items whose review date has come, by case, for deciding what becomes of them. */
export default function ReviewsPage() {
  const w = useWords(words);
  const c = useWords(common);
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const due = useDueItems(PAGE_SIZE, (page - 1) * PAGE_SIZE);
  const byCase = new Map<string, DueItem[]>();
  for (const item of due.data?.items ?? []) byCase.set(item.caseNumber, [...(byCase.get(item.caseNumber) ?? []), item]);
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      {due.error ? (
        <ProblemAlert error={due.error} />
      ) : due.data?.total === 0 ? (
        <Typography.Text type="secondary">{w.none}</Typography.Text>
      ) : (
        [...byCase].map(([caseNumber, items]) => <CaseItems key={caseNumber} caseNumber={caseNumber} items={items} />)
      )}
      {(due.data?.total ?? 0) > PAGE_SIZE && (
        <Pagination
          current={page}
          pageSize={PAGE_SIZE}
          total={due.data?.total}
          showSizeChanger={false}
          showTotal={(n) => w.total(due.data?.totalExact === false ? c.atLeast(n) : n)}
          onChange={(next) => setParams(next > 1 ? { page: String(next) } : {})}
        />
      )}
    </Flex>
  );
}
