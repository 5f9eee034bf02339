import { Drawer, Flex, Grid, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { tones } from '../../lib/tones';
import { useWebhookAttempts, type Attempt } from './api';
import { eventName } from './webhook-events';
import { words } from './webhooks.words';

const PAGE_SIZE = 20;

/** The receiver's status: a 2xx is delivered; anything else, or none, failed. */
function Answer({ status }: { status: number | null }) {
  const w = useWords(words);
  const delivered = status !== null && status >= 200 && status < 300;
  return <Tag style={delivered ? tones.green : tones.red}>{status === null ? w.noAnswer : `HTTP ${status}`}</Tag>;
}

/** One subscription's delivery attempts, newest first, each with what the receiver answered. */
export function WebhookAttempts({
  id,
  url,
  onClose,
}: {
  id: string | undefined;
  url: string | undefined;
  onClose: () => void;
}) {
  const w = useWords(words);
  const { lang } = useLang();
  const narrow = !Grid.useBreakpoint().md;
  const [page, setPage] = useState(1);
  const attempts = useWebhookAttempts(id, PAGE_SIZE, (page - 1) * PAGE_SIZE);
  const close = () => {
    setPage(1);
    onClose();
  };
  const when = (t: Attempt) => formatTime(t.attemptedAt, lang, { seconds: true });
  const event = (t: Attempt) => (
    <Flex vertical>
      {eventName(w, t.eventType)}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t.messageId}
      </Typography.Text>
    </Flex>
  );
  const error = (t: Attempt) => t.error && <Typography.Text type="danger">{t.error}</Typography.Text>;
  const response = (t: Attempt) =>
    t.response && (
      <Typography.Paragraph code ellipsis={{ rows: 2, expandable: true }} style={{ margin: 0, wordBreak: 'break-all' }}>
        {t.response}
      </Typography.Paragraph>
    );
  const columns: TableColumnsType<Attempt> = narrow
    ? // A phone has no room for columns side by side: each attempt in one cell, line under line.
      [
        {
          key: 'attempt',
          title: w.attempts,
          render: (_, t) => (
            <Flex vertical gap={4}>
              <Flex justify="space-between" gap={8} wrap>
                <span>{when(t)}</span>
                <span>
                  <Answer status={t.status} /> {w.ms(t.durationMs)}
                </span>
              </Flex>
              {event(t)}
              {error(t)}
              {response(t)}
            </Flex>
          ),
        },
      ]
    : [
        { key: 'attemptedAt', title: w.attemptedAt, width: 180, render: (_, t) => when(t) },
        { key: 'event', title: w.eventType, width: 170, render: (_, t) => event(t) },
        { key: 'answer', title: w.answer, width: 100, render: (_, t) => <Answer status={t.status} /> },
        { key: 'duration', title: w.duration, width: 90, render: (_, t) => w.ms(t.durationMs) },
        { key: 'error', title: w.error, width: 200, render: (_, t) => error(t) },
        { key: 'response', title: w.response, render: (_, t) => response(t) },
      ];
  return (
    <Drawer
      open={!!id}
      onClose={close}
      title={url ? w.attemptsTitle(url) : w.attempts}
      size={narrow ? '100%' : 1000}
      destroyOnHidden
    >
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{w.attemptsHint}</Typography.Text>
        {attempts.error ? (
          <ProblemAlert error={attempts.error} />
        ) : (
          <Table<Attempt>
            rowKey="id"
            size="small"
            loading={attempts.isPending}
            dataSource={attempts.data?.items}
            scroll={narrow ? undefined : { x: 900 }}
            locale={{ emptyText: <Typography.Text type="secondary">{w.noAttempts}</Typography.Text> }}
            pagination={{
              current: page,
              pageSize: PAGE_SIZE,
              total: attempts.data?.total,
              showSizeChanger: false,
              showTotal: (total) => w.attemptCount(total),
              onChange: setPage,
            }}
            columns={columns}
          />
        )}
      </Flex>
    </Drawer>
  );
}
