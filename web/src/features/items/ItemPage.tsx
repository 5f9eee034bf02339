import { Col, Flex, Row, Spin, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useParams } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ItemRequests } from '../requests';
import { useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { common } from '../../lib/words';
import { eventsKey, useItem, useItemEvents } from './item/data';
import { Actions } from './item/Actions';
import { AccessLog } from './item/AccessLog';
import { History } from './item/History';
import { InspectionCard, useInspection } from './item/Inspection';
import { CustodyFacts, Particulars } from './item/Particulars';
import { Photos } from './item/Photos';
import { words } from './item/words';

/** One item: its particulars, photographs, where it is and who answers for it, its history, what may be done. */
export default function ItemPage() {
  const { code = '' } = useParams();
  const w = useWords(words);
  const c = useWords(common);
  const item = useItem(code);
  const events = useItemEvents(code);
  const me = useMe().data;
  const inspector = hasRole(me, 'inspector');
  const inspection = useInspection(code, inspector && item.isSuccess);
  const queryClient = useQueryClient();
  const lastLeaf = (item.data as { lastLeafHash?: string } | undefined)?.lastLeafHash;

  // An action adds an event: when the item's last hash moves on, its history is read again.
  useEffect(() => {
    if (lastLeaf) void queryClient.invalidateQueries({ queryKey: eventsKey(code) });
  }, [lastLeaf, code, queryClient]);

  if (item.isPending) return <Spin tip={c.loading} fullscreen={false} />;
  if (item.error)
    return (
      <main>
        <ProblemAlert error={item.error} />
      </main>
    );
  const it = item.data;
  return (
    <main>
      <Flex vertical gap={16} style={{ maxWidth: 1200, margin: '0 auto' }}>
        <div>
          <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
            {w.title} <ItemCode code={it.code} copyable />
          </Typography.Title>
          <Typography.Text type="secondary">
            {it.caseNumber} · #{it.itemNo}
          </Typography.Text>
        </div>
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={14}>
            <Flex vertical gap={16}>
              <Particulars item={it} />
              <CustodyFacts item={it} />
              <Photos code={it.code} events={events.data} />
            </Flex>
          </Col>
          <Col xs={24} lg={10}>
            <Flex vertical gap={16}>
              <Actions item={it} />
              <ItemRequests code={it.code} />
              {inspector && <InspectionCard inspection={inspection} />}
              <History code={it.code} inspection={inspection.data} />
              {hasRole(me, 'inspector', 'admin', 'approver') && <AccessLog code={it.code} />}
            </Flex>
          </Col>
        </Row>
      </Flex>
    </main>
  );
}
