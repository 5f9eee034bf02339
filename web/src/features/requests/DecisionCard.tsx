import { Alert, Button, Card, Descriptions, Flex, Typography } from 'antd';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { useMe } from '../../lib/session';
import { useAgencies } from '../../lib/agencies';
import type { CustodyRequest, Decision } from './api';
import { RequestDetails, StatusTag } from './present';
import { RequestItems } from './RequestItems';
import { words } from './words';

/**
 * A request waiting for the user's agency: who asked, for what and why, the items it names, and the
 * decisions offered. The server refuses a requester's decision on their own request; the card says so first.
 */
export function DecisionCard({
  request: r,
  decisions,
  onDecide,
}: {
  request: CustodyRequest;
  decisions: readonly Decision[];
  onDecide: (decision: Decision) => void;
}) {
  const w = useWords(words);
  const { lang } = useLang();
  const me = useMe().data;
  const agencies = useAgencies();
  const own = r.requesterId === me?.id && decisions.includes('approve');
  const from = r.kind === 'transfer' && agencies.data?.items.find((agency) => agency.id === r.agencyId);
  return (
    <Card
      data-testid="decision"
      title={
        <Flex gap={8} align="center" wrap>
          <h2 style={{ fontSize: 16, margin: 0 }}>{w[`kind_${r.kind}`]}</h2>
          <StatusTag status={r.status} />
        </Flex>
      }
      extra={<Typography.Text type="secondary">{formatTime(r.createdAt, lang)}</Typography.Text>}
      actions={
        own
          ? undefined
          : decisions.map((decision) => (
              <Button
                key={decision}
                type={decision === 'approve' || decision === 'accept' ? 'primary' : 'default'}
                danger={decision === 'reject' || decision === 'refuse'}
                onClick={() => onDecide(decision)}
              >
                {w[decision]}
              </Button>
            ))
      }
    >
      <Flex vertical gap={12}>
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2 }}
          items={[
            { key: 'requester', label: w.requester, children: r.requesterName },
            ...(from ? [{ key: 'from', label: w.fromAgency, children: from.name }] : []),
            { key: 'details', label: w.details, children: <RequestDetails request={r} /> },
            { key: 'reason', label: w.reason, children: r.reason },
          ]}
        />
        {own && <Alert type="info" showIcon title={w.ownRequest} />}
        <Typography.Text strong>{w.itemsOf(r.itemCodes.length)}</Typography.Text>
        <RequestItems codes={r.itemCodes} />
      </Flex>
    </Card>
  );
}
