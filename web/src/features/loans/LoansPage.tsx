import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Flex, Table, Tag, Typography } from 'antd';
import { useSearchParams } from 'react-router';
import { ItemLink } from '../../components/ItemLink';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { api, ok } from '../../lib/api';
import type { Answer } from '../../lib/api-shapes';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { tones } from '../../lib/tones';
import { common } from '../../lib/words';
import { words } from './words';

/** An item as GET /items lists it; the loan's borrower and due date are in the projection it sends whole. */
type Loaned = Answer<'getItems'>['items'][number] & {
  holderName?: string | null;
  loanDueAt?: string | null;
  overdue?: boolean;
};

const PAGE_SIZE = 50;

/** What is out on loan now, the earliest due first: the overdue ones lead. */
export default function LoansPage() {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const loans = useQuery({
    queryKey: ['items', 'on-loan', page],
    queryFn: async () => {
      const query = {
        state: 'on_loan' as const,
        sort: 'loanDueAt' as const,
        order: 'asc' as const,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      };
      const answer = await ok(api.GET('/items', { params: { query } }));
      // Overdue as of when the list was read (it is read again on focus and on return to the page).
      const readAt = Date.now();
      return {
        ...answer,
        items: (answer.items as Loaned[]).map((item) => ({
          ...item,
          overdue: !!item.loanDueAt && Date.parse(item.loanDueAt) < readAt,
        })),
      };
    },
    placeholderData: keepPreviousData,
  });
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      {loans.error ? (
        <ProblemAlert error={loans.error} />
      ) : (
        <Table<Loaned>
          rowKey="code"
          size="middle"
          loading={loans.isFetching}
          dataSource={loans.data?.items}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: loans.data?.total,
            showSizeChanger: false,
            hideOnSinglePage: true,
            showTotal: (n) => w.total(loans.data?.totalExact === false ? c.atLeast(n) : n),
            onChange: (next) => setParams(next > 1 ? { page: String(next) } : {}),
          }}
          columns={[
            {
              key: 'code',
              title: w.code,
              width: 150,
              render: (_, item) => <ItemLink code={item.code} />,
            },
            { key: 'description', title: w.description, dataIndex: 'description', ellipsis: true },
            { key: 'holder', title: w.holder, render: (_, item) => item.holderName ?? '' },
            {
              key: 'dueAt',
              title: w.dueAt,
              width: 230,
              render: (_, item) => (
                <Flex gap={8} align="center" wrap>
                  <span>{formatTime(item.loanDueAt, lang)}</span>
                  {item.overdue && (
                    <Tag style={tones.red} data-testid="overdue">
                      {w.overdue}
                    </Tag>
                  )}
                </Flex>
              ),
            },
            { key: 'case', title: w.case, dataIndex: 'caseNumber', width: 190 },
            { key: 'agency', title: w.agency, dataIndex: 'owningAgencyCode', width: 140 },
          ]}
        />
      )}
    </Flex>
  );
}
