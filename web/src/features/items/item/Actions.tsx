import { AuditOutlined, PrinterOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { PrintLabelsDialog } from '../../labels';
import { RequestDialog } from '../../requests';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { api, ok } from '../../../lib/api';
import { useWords } from '../../../lib/i18n';
import { hasRole, useMe } from '../../../lib/session';
import { itemKey, type Item } from './data';
import { words } from './words';

/**
 * What the caller may do to the item now, as the server allows it (its roles, the item's agency and state):
 * file a request for it, print its label, place a legal hold or release the one there is. The server still
 * decides; a refusal shows its detail here.
 */
export function Actions({ item }: { item: Item }) {
  const w = useWords(words);
  const me = useMe().data;
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [dialog, setDialog] = useState<'request' | 'labels'>();
  const [form] = Form.useForm<{ reason: string }>();
  const held = !!item.legalHold;
  const ownAgency = item.owningAgencyCode === me?.agencyCode;
  // An agency that has never held the item may still read it (a transfer offered to it), but not act on it.
  const mayAct =
    hasRole(me, 'warehouse', 'inspector', 'admin') || (!!me?.agencyId && !!item.heldByAgencyIds?.includes(me.agencyId));
  const mayHold = mayAct && hasRole(me, 'approver', 'clerk') && item.allowedCommands.includes('hold');
  const mayRequest =
    hasRole(me, 'officer', 'clerk', 'approver') && ownAgency && item.allowedCommands.includes('request');
  const mayPrint = mayAct && hasRole(me, 'officer', 'clerk', 'warehouse') && item.allowedCommands.includes('label');

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
      {!mayHold && !mayRequest && !mayPrint ? (
        <Typography.Text type="secondary">{w.noActions}</Typography.Text>
      ) : !open ? (
        <Space wrap>
          {mayRequest && (
            <Button icon={<AuditOutlined />} onClick={() => setDialog('request')}>
              {w.fileRequest}
            </Button>
          )}
          {mayPrint && (
            <Button icon={<PrinterOutlined />} onClick={() => setDialog('labels')}>
              {w.printLabel}
            </Button>
          )}
          {mayHold && (
            <Button danger={!held} onClick={() => setOpen(true)}>
              {label}
            </Button>
          )}
        </Space>
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
      <RequestDialog codes={[item.code]} open={dialog === 'request'} onClose={() => setDialog(undefined)} />
      {dialog === 'labels' && (
        <PrintLabelsDialog open target={{ codes: [item.code] }} onClose={() => setDialog(undefined)} />
      )}
    </Card>
  );
}
