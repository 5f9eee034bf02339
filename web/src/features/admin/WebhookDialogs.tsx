import { Alert, Flex, Form, Input, InputNumber, Select, Typography } from 'antd';
import { useAgencies } from '../../lib/agencies';
import { useWords } from '../../lib/i18n';
import { useCreateWebhook, useReplayWebhook, type Webhook, type WebhookEventType } from './api';
import { FormDialog, showFieldErrors } from './dialog';
import { SecretOnce } from './secrets';
import { EVENT_TYPES, isChange, named } from './webhook-events';
import { words } from './webhooks.words';
import { admin } from './words';

// The server checks the rest (an absolute URL, no credentials in it, outside the centre's network).
const HTTP_URL = /^https?:\/\/\S+$/i;

interface NewValues {
  url: string;
  eventTypes: WebhookEventType[];
  agencyCodes: string[];
}

/** A new subscription: its signing secret is then shown this once. */
export function CreateWebhookDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const [form] = Form.useForm<NewValues>();
  const agencies = useAgencies();
  const create = useCreateWebhook();
  const close = () => {
    form.resetFields();
    create.reset();
    onClose();
  };
  const submit = (v: NewValues) =>
    create.mutate({ ...v, url: v.url.trim() }, { onError: (error) => showFieldErrors(form, error) });
  const group = (label: string, types: WebhookEventType[]) => ({
    label,
    title: label,
    options: types.map((type) => ({ value: type, label: named(w, type) })),
  });
  return (
    <FormDialog
      open={open}
      title={w.create}
      action={w.create}
      form={form}
      pending={create.isPending}
      error={create.error}
      onClose={close}
      done={
        create.data && (
          <SecretOnce
            title={w.created}
            hint={w.createdHint}
            rows={[
              { label: w.url, value: create.data.url },
              { label: w.secret, value: create.data.secret, secret: true },
            ]}
          />
        )
      }
    >
      <Form<NewValues>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ eventTypes: [], agencyCodes: [] }}
        onFinish={submit}
        onValuesChange={() => create.error && create.reset()}
      >
        <Form.Item
          name="url"
          label={w.url}
          extra={w.urlHint}
          rules={[
            { required: true, whitespace: true, message: a.required },
            { pattern: HTTP_URL, message: w.urlFormat },
          ]}
        >
          <Input autoComplete="off" maxLength={2000} spellCheck={false} autoFocus />
        </Form.Item>
        <Form.Item
          name="eventTypes"
          label={w.eventTypes}
          rules={[{ required: true, type: 'array', min: 1, message: w.eventTypesRequired }]}
        >
          <Select
            mode="multiple"
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            options={[
              group(
                w.ledgerEvents,
                EVENT_TYPES.filter((t) => !isChange(t)),
              ),
              group(w.changes, EVENT_TYPES.filter(isChange)),
            ]}
            // The server's name beside the word: it is the `type` the receiver reads.
            optionRender={(option) => (
              <Flex justify="space-between" gap={8}>
                <span>{option.label}</span>
                <Typography.Text type="secondary" code>
                  {option.value}
                </Typography.Text>
              </Flex>
            )}
          />
        </Form.Item>
        <Form.Item
          name="agencyCodes"
          label={w.agencies}
          extra={w.agenciesHint}
          rules={[{ required: true, type: 'array', min: 1, message: w.agenciesRequired }]}
        >
          <Select
            mode="multiple"
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            loading={agencies.isPending}
            options={agencies.data?.items.map((g) => ({ value: g.code, label: `${g.name}（${g.code}）` }))}
          />
        </Form.Item>
        <Alert type="info" showIcon title={w.fromNow} role="note" />
      </Form>
    </FormDialog>
  );
}

/** Delivers again every covered ledger event from an index on. */
export function ReplayDialog({ webhook, onClose }: { webhook: Webhook | undefined; onClose: () => void }) {
  const w = useWords(words);
  const [form] = Form.useForm<{ fromIndex: number }>();
  const replay = useReplayWebhook();
  const close = () => {
    form.resetFields();
    replay.reset();
    onClose();
  };
  return (
    <FormDialog
      open={!!webhook}
      title={webhook ? w.replayTitle(webhook.url) : ''}
      action={w.replay}
      form={form}
      pending={replay.isPending}
      error={replay.error}
      onClose={close}
    >
      {webhook && (
        <Form<{ fromIndex: number }>
          form={form}
          layout="vertical"
          requiredMark={false}
          onFinish={({ fromIndex }) =>
            replay.mutate(
              { id: webhook.id, fromIndex },
              { onSuccess: close, onError: (error) => showFieldErrors(form, error) },
            )
          }
          onValuesChange={() => replay.error && replay.reset()}
        >
          <Form.Item
            name="fromIndex"
            label={w.fromIndex}
            extra={w.fromIndexHint(webhook.ledgerCursor)}
            rules={[{ required: true, type: 'integer', min: 0, message: w.fromIndexRequired }]}
          >
            <InputNumber min={0} precision={0} autoFocus style={{ width: 200 }} />
          </Form.Item>
        </Form>
      )}
    </FormDialog>
  );
}
