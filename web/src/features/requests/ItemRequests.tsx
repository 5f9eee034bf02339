import { Button, Card, List, Typography } from 'antd';
import { useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { useRequests, type CustodyRequest } from './api';
import { CancelDialog } from './CancelDialog';
import { RequestSummary, useMayCancel } from './present';
import { words } from './words';

/** The requests that name one item, newest first, each with its state; the caller's own can be cancelled. */
export function ItemRequests({ code }: { code: string }) {
  const w = useWords(words);
  const list = useRequests({ item: code, limit: 50, offset: 0 });
  const [cancelling, setCancelling] = useState<CustodyRequest>();
  const mayCancel = useMayCancel();

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.itemRequests}</h2>} data-testid="item-requests">
      {list.error ? (
        <ProblemAlert error={list.error} />
      ) : (
        <List<CustodyRequest>
          loading={list.isPending}
          dataSource={list.data?.items}
          locale={{ emptyText: <Typography.Text type="secondary">{w.noItemRequests}</Typography.Text> }}
          renderItem={(r) => (
            <List.Item
              data-testid="item-request"
              actions={
                mayCancel(r)
                  ? [
                      <Button key="cancel" size="small" onClick={() => setCancelling(r)}>
                        {w.cancelRequest}
                      </Button>,
                    ]
                  : undefined
              }
            >
              <RequestSummary request={r} />
            </List.Item>
          )}
        />
      )}
      <CancelDialog request={cancelling} onClose={() => setCancelling(undefined)} />
    </Card>
  );
}
