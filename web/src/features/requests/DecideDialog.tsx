import { Button, Flex, Form, Input, Modal } from 'antd';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { NOTE_REQUIRED, useDecide, type CustodyRequest, type Decision } from './api';
import { words } from './words';

export interface Deciding {
  request: CustodyRequest;
  decision: Decision;
}

/**
 * Approves or rejects a request, or accepts or refuses a transfer, with the note that goes into each item's
 * history: a rejection or refusal must say why. A refusal by the server (the request changed meanwhile, the
 * user filed it) shows its detail here.
 */
export function DecideDialog({ deciding, onClose }: { deciding: Deciding | undefined; onClose: () => void }) {
  const w = useWords(words);
  const [form] = Form.useForm<{ note?: string }>();
  const decide = useDecide();
  const close = () => {
    // The form outlives the dialog: what was typed for one request must not carry over to the next.
    form.resetFields();
    decide.reset();
    onClose();
  };
  const decision = deciding?.decision ?? 'approve';
  const required = NOTE_REQUIRED[decision];
  const negative = decision === 'reject' || decision === 'refuse';
  return (
    <Modal
      open={!!deciding}
      title={w[`decideTitle_${decision}`]}
      onCancel={close}
      destroyOnHidden
      footer={
        <Flex gap={8} justify="end">
          <Button onClick={close}>{w.cancel}</Button>
          <Button type="primary" danger={negative} loading={decide.isPending} onClick={() => form.submit()}>
            {w[decision]}
          </Button>
        </Flex>
      }
    >
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={({ note }) =>
          decide.mutate({ id: deciding!.request.id, decision, note: note?.trim() || undefined }, { onSuccess: close })
        }
      >
        <Form.Item
          name="note"
          label={w[`note_${decision}`]}
          rules={required ? [{ required: true, whitespace: true, message: w.required }] : []}
        >
          <Input.TextArea maxLength={1000} autoSize={{ minRows: 2, maxRows: 6 }} autoFocus />
        </Form.Item>
        {decide.error && <ProblemAlert error={decide.error} />}
      </Form>
    </Modal>
  );
}
