import { Button, Flex, Popconfirm, Table, Tag, Tooltip, Typography } from 'antd';
import { Fragment, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { tones } from '../../lib/tones';
import { useDeleteWebhook, usePauseWebhook, useResumeWebhook, useWebhooks, type Webhook } from './api';
import { WebhookAttempts } from './WebhookAttempts';
import { CreateWebhookDialog, ReplayDialog } from './WebhookDialogs';
import { eventName } from './webhook-events';
import { words } from './webhooks.words';
import { admin } from './words';

const PAGE_SIZE = 50;
/** Event types shown on a row; the rest as a count, named in its tooltip. */
const TYPES_SHOWN = 3;
// The reason the server gives a pause by hand (src/interconnect/webhooks/subscriptions.ts); a pause after a
// day of failures says which message failed, and how, in the server's words.
const PAUSED_BY_ADMIN = 'paused by an administrator';

/** A URL that a narrow column wraps after its slashes rather than inside a word. */
function BreakableUrl({ url }: { url: string }) {
  return url.split('/').map((part, i) => (
    <Fragment key={i}>
      {i > 0 && '/'}
      {i > 0 && part !== '' && <wbr />}
      {part}
    </Fragment>
  ));
}

/** Active or paused, and why it was paused. */
function Status({ webhook }: { webhook: Webhook }) {
  const w = useWords(words);
  if (webhook.status === 'active') return <Tag style={tones.green}>{w.active}</Tag>;
  return (
    <Flex vertical gap={2} align="start">
      <Tag style={tones.gold}>{w.paused}</Tag>
      {webhook.pausedReason && (
        <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-word' }}>
          {webhook.pausedReason === PAUSED_BY_ADMIN ? w.pausedByAdmin : webhook.pausedReason}
        </Typography.Text>
      )}
    </Flex>
  );
}

/** Pausing or resuming, a replay, deletion (confirmed first), the attempts and the changes. */
function WebhookActions({
  webhook,
  onAttempts,
  onReplay,
}: {
  webhook: Webhook;
  onAttempts: () => void;
  onReplay: () => void;
}) {
  const w = useWords(words);
  const a = useWords(admin);
  const pause = usePauseWebhook();
  const resume = useResumeWebhook();
  const remove = useDeleteWebhook();
  const error = pause.error ?? resume.error ?? remove.error;
  return (
    <Flex vertical gap={4}>
      <Flex gap={8} wrap align="center">
        <Button size="small" onClick={onAttempts}>
          {w.attempts}
        </Button>
        {webhook.status === 'active' ? (
          <Button size="small" loading={pause.isPending} onClick={() => pause.mutate(webhook.id)}>
            {w.pause}
          </Button>
        ) : (
          <Button size="small" loading={resume.isPending} onClick={() => resume.mutate(webhook.id)}>
            {w.resume}
          </Button>
        )}
        <Button size="small" onClick={onReplay}>
          {w.replay}
        </Button>
        <Popconfirm
          title={w.deleteConfirm(webhook.url)}
          okText={w.delete}
          cancelText={a.cancel}
          okButtonProps={{ danger: true }}
          onConfirm={() => remove.mutateAsync(webhook.id).catch(() => undefined)}
        >
          <Button size="small" danger loading={remove.isPending}>
            {w.delete}
          </Button>
        </Popconfirm>
        <Link to={`/admin/log?subject=${webhook.id}`}>{a.history}</Link>
      </Flex>
      {error && (
        <ProblemAlert
          error={error}
          onClose={() => {
            pause.reset();
            resume.reset();
            remove.reset();
          }}
        />
      )}
    </Flex>
  );
}

/**
 * Every webhook subscription: where it delivers, what, how far it has come and whether it is failing; created,
 * paused, resumed, replayed and deleted here, and its attempts (?attempts=<id>) read in a drawer.
 */
export default function WebhooksPage() {
  const w = useWords(words);
  const a = useWords(admin);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const webhooks = useWebhooks(PAGE_SIZE, (page - 1) * PAGE_SIZE);
  const [creating, setCreating] = useState(false);
  const [replaying, setReplaying] = useState<Webhook>();
  const attemptsOf = params.get('attempts') ?? undefined;

  const setParam = (name: string, value: string | undefined) => {
    const p = new URLSearchParams(params);
    if (value) p.set(name, value);
    else p.delete(name);
    setParams(p);
  };

  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">{webhooks.data && w.count(webhooks.data.total)}</Typography.Text>
        <Button type="primary" onClick={() => setCreating(true)}>
          {w.create}
        </Button>
      </Flex>
      {webhooks.error ? (
        <ProblemAlert error={webhooks.error} />
      ) : (
        <Table<Webhook>
          rowKey="id"
          size="middle"
          loading={webhooks.isPending}
          dataSource={webhooks.data?.items}
          scroll={{ x: 1300 }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: webhooks.data?.total,
            showSizeChanger: false,
            hideOnSinglePage: true,
            onChange: (next) => setParam('page', next > 1 ? String(next) : undefined),
          }}
          columns={[
            {
              key: 'url',
              title: w.url,
              width: 240,
              render: (_, h) => (
                <Flex vertical>
                  <Typography.Text>
                    <BreakableUrl url={h.url} />
                  </Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {h.agencyCodes.join(', ')}
                  </Typography.Text>
                </Flex>
              ),
            },
            {
              key: 'eventTypes',
              title: w.eventTypes,
              width: 200,
              render: (_, h) => {
                const rest = h.eventTypes.slice(TYPES_SHOWN);
                return (
                  <Flex gap={4} wrap>
                    {h.eventTypes.slice(0, TYPES_SHOWN).map((type) => (
                      <Tag key={type} style={tones.blue}>
                        {eventName(w, type)}
                      </Tag>
                    ))}
                    {rest.length > 0 && (
                      <Tooltip title={rest.map((type) => eventName(w, type)).join('、')}>
                        <Tag tabIndex={0}>+{rest.length}</Tag>
                      </Tooltip>
                    )}
                  </Flex>
                );
              },
            },
            { key: 'status', title: w.status, width: 150, render: (_, h) => <Status webhook={h} /> },
            {
              key: 'cursors',
              title: w.cursors,
              width: 140,
              render: (_, h) => (
                <Flex vertical>
                  <span>{w.ledgerCursor(h.ledgerCursor)}</span>
                  <Typography.Text type="secondary">{w.changeCursor(h.changeCursor)}</Typography.Text>
                </Flex>
              ),
            },
            {
              key: 'failures',
              title: w.failures,
              width: 150,
              render: (_, h) =>
                h.failures === 0 ? (
                  <Typography.Text type="secondary">{w.noFailure}</Typography.Text>
                ) : (
                  <Flex vertical gap={2} align="start">
                    <Tag style={tones.red}>{w.failing(h.failures)}</Tag>
                    {h.failingSince && (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {w.failingSince(formatTime(h.failingSince, lang))}
                      </Typography.Text>
                    )}
                  </Flex>
                ),
            },
            {
              key: 'nextAttempt',
              title: w.nextAttempt,
              width: 140,
              render: (_, h) => {
                if (h.status === 'paused')
                  return <Typography.Text type="secondary">{w.notWhilePaused}</Typography.Text>;
                // A subscription with nothing failing is due whenever there is something new.
                if (Date.parse(h.nextAttemptAt) <= Date.now()) return w.onNext;
                return formatTime(h.nextAttemptAt, lang, { seconds: true });
              },
            },
            {
              key: 'actions',
              title: a.actions,
              width: 300,
              render: (_, h) => (
                <WebhookActions
                  webhook={h}
                  onAttempts={() => setParam('attempts', h.id)}
                  onReplay={() => setReplaying(h)}
                />
              ),
            },
          ]}
        />
      )}
      <CreateWebhookDialog open={creating} onClose={() => setCreating(false)} />
      <ReplayDialog webhook={replaying} onClose={() => setReplaying(undefined)} />
      <WebhookAttempts
        id={attemptsOf}
        url={webhooks.data?.items.find((h) => h.id === attemptsOf)?.url}
        onClose={() => setParam('attempts', undefined)}
      />
    </Flex>
  );
}
