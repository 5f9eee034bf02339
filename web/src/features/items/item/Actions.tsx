import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { api, ok } from '../../../lib/api';
import { useWords } from '../../../lib/i18n';
import { hasRole, useMe } from '../../../lib/session';
import { itemKey, type Item } from './data';
import { words } from './words';

/**
 * What the caller may do to the item now: an approver or clerk places a legal hold, or releases the one there
 * is. The server decides (its own agency, the item's state); a refusal shows its detail here.
 */
export function Actions({ item }: { item: Item }) {
  const w = useWords(words);
  const me = useMe().data;
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const held = !!item.legalHold;
  const may = hasRole(me, 'approver', 'clerk') && item.allowedCommands.includes('hold');

  const hold = useMutation({
    mutationFn: ({ reason }: { reason: string }) => {
      const params = { path: { code: item.code } };
      return held
        ? ok(api.DELETE('/items/{code}/hold', { params, body: { reason } }))
        : ok(api.POST('/items/{code}/hold', { params, body: { reason } }));
    },
    onSuccess: async (answer) => {
      queryClient.setQueryData(itemKey(item.code), answer.item);
      form.resetFields();
      setOpen(false);
      await queryClient.invalidateQueries({ queryKey: itemKey(item.code) });
    },
  });

  const label = held ? w.releaseHold : w.placeHold;
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.actions}</h2>}>
      {!may ? (
        <Typography.Text type="secondary">{w.noActions}</Typography.Text>
      ) : !open ? (
        <Button danger={!held} onClick={() => setOpen(true)}>
          {label}
        </Button>
      ) : (
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(values) => hold.mutate(values)}>
          <Typography.Title level={3} style={{ fontSize: 15 }}>
            {label}
          </Typography.Title>
          <Form.Item
            name="reason"
            label={w.holdReason}
            rules={[{ required: true, whitespace: true, message: w.holdReasonRequired }]}
          >
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} autoFocus />
          </Form.Item>
          {hold.error && (
            <div style={{ marginBottom: 16 }}>
              <ProblemAlert error={hold.error} onClose={() => hold.reset()} />
            </div>
          )}
          <Space wrap>
            <Button type="primary" danger={!held} htmlType="submit" loading={hold.isPending}>
              {w.submit}
            </Button>
            <Button
              onClick={() => {
                hold.reset();
                setOpen(false);
              }}
            >
              {w.cancel}
            </Button>
          </Space>
        </Form>
      )}
    </Card>
  );
}
