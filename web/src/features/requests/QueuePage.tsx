import { Flex, Pagination, Typography } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { useRequests, type Decision, type RequestListQuery } from './api';
import { DecideDialog, type Deciding } from './DecideDialog';
import { DecisionCard } from './DecisionCard';
import { words } from './words';

const PAGE_SIZE = 10;

export interface Queue {
  query: Omit<RequestListQuery, 'limit' | 'offset'>;
  decisions: readonly Decision[];
  title: 'decisionsTitle' | 'offersTitle';
  subtitle: 'decisionsSubtitle' | 'offersSubtitle';
  none: 'noneToDecide' | 'noneOffered';
}

/** A queue of requests waiting for the user's agency, each as a card with the decisions it may take. */
export function QueuePage({ queue }: { queue: Queue }) {
  const w = useWords(words);
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const list = useRequests({ ...queue.query, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const [deciding, setDeciding] = useState<Deciding>();
  const total = list.data?.total ?? 0;
  return (
    <Flex vertical gap={16} style={{ maxWidth: 960 }}>
      <PageTitle title={w[queue.title]} subtitle={w[queue.subtitle]} />
      {list.error ? (
        <ProblemAlert error={list.error} />
      ) : list.data && total === 0 ? (
        <Typography.Text type="secondary">{w[queue.none]}</Typography.Text>
      ) : (
        list.data?.items.map((request) => (
          <DecisionCard
            key={request.id}
            request={request}
            decisions={queue.decisions}
            onDecide={(decision) => setDeciding({ request, decision })}
          />
        ))
      )}
      {total > PAGE_SIZE && (
        <Pagination
          current={page}
          pageSize={PAGE_SIZE}
          total={total}
          showSizeChanger={false}
          showTotal={(n) => w.total(n)}
          onChange={(next) => setParams(next > 1 ? { page: String(next) } : {})}
        />
      )}
      <DecideDialog deciding={deciding} onClose={() => setDeciding(undefined)} />
    </Flex>
  );
}
