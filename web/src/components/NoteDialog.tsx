import { Button, Flex, Form, Input, Modal } from 'antd';
import type { ReactNode } from 'react';
import { ProblemAlert } from './ProblemAlert';

/** What the dialog needs of the mutation that carries the note: its state, shown here, and its reset. */
interface Sending {
  isPending: boolean;
  error: unknown;
  reset(): void;
}

/**
 * A dialog that asks for a note (a reason, what was done) and sends it: deciding a request, cancelling one,
 * dealing with an alert. The note goes into the record, so a required one may not be blank. A refusal by the
 * server shows its detail here, and the dialog stays open.
 */
export function NoteDialog({
  open,
  title,
  intro,
  label,
  required,
  requiredMessage,
  cancelText,
  okText,
  danger,
  sending,
  onSend,
  onClose,
}: {
  open: boolean;
  title: string;
  intro?: ReactNode;
  label: string;
  required: boolean;
  requiredMessage: string;
  cancelText: string;
  okText: string;
  danger?: boolean;
  sending: Sending;
  /** Sends the note (trimmed; undefined when left empty), calling `done` once it is recorded. */
  onSend: (note: string | undefined, done: () => void) => void;
  onClose: () => void;
}) {
  const [form] = Form.useForm<{ note?: string }>();
  const close = () => {
    // The form outlives the dialog: what was typed for one request or alert must not carry over to the next.
    form.resetFields();
    sending.reset();
    onClose();
  };
  return (
    <Modal
      open={open}
      title={title}
      onCancel={close}
      destroyOnHidden
      footer={
        <Flex gap={8} justify="end">
          <Button onClick={close}>{cancelText}</Button>
          <Button type="primary" danger={danger} loading={sending.isPending} onClick={() => form.submit()}>
            {okText}
          </Button>
        </Flex>
      }
    >
      {intro}
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={({ note }) => onSend(note?.trim() || undefined, close)}
      >
        <Form.Item
          name="note"
          label={label}
          rules={required ? [{ required: true, whitespace: true, message: requiredMessage }] : []}
        >
          <Input.TextArea maxLength={1000} autoSize={{ minRows: 2, maxRows: 6 }} autoFocus />
        </Form.Item>
        {!!sending.error && <ProblemAlert error={sending.error} />}
      </Form>
    </Modal>
  );
}
