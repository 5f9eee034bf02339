import { Button, Flex, Modal, type FormInstance } from 'antd';
import type { ReactNode } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { Problem } from '../../lib/problem';
import { admin } from './words';

/** The server's word on each field it refused, shown beside the field (its detail is shown above the buttons too). */
export function showFieldErrors(form: FormInstance, error: unknown) {
  if (!(error instanceof Problem)) return;
  const names = Object.keys(form.getFieldsValue(true) as object);
  form.setFields(
    (error.body.errors ?? [])
      .map((f) => ({ ...f, name: f.field.split('.')[0]! }))
      .filter((f) => f.in === 'body' && names.includes(f.name))
      .map((f) => ({ name: f.name, errors: [f.detail] })),
  );
}

/**
 * A dialog around a form: its title, the form, the server's refusal, and Cancel beside the action. Once
 * `done` is given (what the action produced, e.g. a password shown once), that replaces the form and only
 * Close remains.
 */
export function FormDialog({
  open,
  title,
  action,
  form,
  pending,
  error,
  done,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  action: string;
  form: FormInstance;
  pending: boolean;
  error: unknown;
  done?: ReactNode;
  onClose: () => void;
  children: ReactNode;
}) {
  const a = useWords(admin);
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onClose}
      destroyOnHidden
      maskClosable={false}
      footer={
        done ? (
          <Button type="primary" onClick={onClose}>
            {a.close}
          </Button>
        ) : (
          <Flex gap={8} justify="end">
            <Button onClick={onClose}>{a.cancel}</Button>
            <Button type="primary" loading={pending} onClick={() => form.submit()}>
              {action}
            </Button>
          </Flex>
        )
      }
    >
      {done ?? (
        <Flex vertical gap={12}>
          {children}
          {!!error && <ProblemAlert error={error} />}
        </Flex>
      )}
    </Modal>
  );
}
