import { Button, Flex, Form, Input, Modal } from 'antd';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { useCancelRequest, type CustodyRequest } from './api';
import { words } from './words';

/** Cancels a request that has not been carried out, with the reason, which goes into each item's history. */
export function CancelDialog({ request, onClose }: { request: CustodyRequest | undefined; onClose: () => void }) {
  const w = useWords(words);
  const [form] = Form.useForm<{ note: string }>();
  const cancel = useCancelRequest();
  const close = () => {
    // The form outlives the dialog: what was typed for one request must not carry over to the next.
    form.resetFields();
    cancel.reset();
    onClose();
  };
  return (
    <Modal
      open={!!request}
      title={w.cancelTitle}
      onCancel={close}
      destroyOnHidden
      footer={
        <Flex gap={8} justify="end">
          <Button onClick={close}>{w.keep}</Button>
          <Button danger type="primary" loading={cancel.isPending} onClick={() => form.submit()}>
            {w.confirmCancel}
          </Button>
        </Flex>
      }
    >
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={({ note }) => cancel.mutate({ id: request!.id, note: note.trim() }, { onSuccess: close })}
      >
        <Form.Item
          name="note"
          label={w.cancelReason}
          rules={[{ required: true, whitespace: true, message: w.required }]}
        >
          <Input.TextArea maxLength={1000} autoSize={{ minRows: 2, maxRows: 6 }} autoFocus />
        </Form.Item>
        {cancel.error && <ProblemAlert error={cancel.error} />}
      </Form>
    </Modal>
  );
}
