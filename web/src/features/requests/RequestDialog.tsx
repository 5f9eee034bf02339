import { Button, DatePicker, Flex, Form, Input, Modal, Result, Segmented, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { Problem } from '../../lib/problem';
import { useMe } from '../../lib/session';
import { common } from '../../lib/words';
import { useAgencies } from '../../lib/agencies';
import { DISPOSAL_METHODS, FILED_KINDS, LOAN_PURPOSES, useFileRequest, type NewRequest } from './api';
import { words } from './words';

type FiledKind = (typeof FILED_KINDS)[number];

interface Values {
  kind: FiledKind;
  reason: string;
  borrower?: string;
  purpose?: (typeof LOAN_PURPOSES)[number];
  dueAt?: Dayjs;
  toAgencyCode?: string;
  method?: (typeof DISPOSAL_METHODS)[number];
  orderReference?: string;
}

function toRequest(codes: string[], v: Values): NewRequest {
  const base = { itemCodes: codes, reason: v.reason.trim() };
  switch (v.kind) {
    case 'loan':
      return {
        kind: 'loan',
        ...base,
        borrower: v.borrower!.trim(),
        purpose: v.purpose!,
        dueAt: v.dueAt!.toISOString(),
      };
    case 'transfer':
      return { kind: 'transfer', ...base, toAgencyCode: v.toAgencyCode! };
    case 'disposal':
      return { kind: 'disposal', ...base, method: v.method!, orderReference: v.orderReference!.trim() };
  }
}

/** Shown codes: a long selection is summed up rather than listed. */
const SHOWN_CODES = 6;

/**
 * Files a loan, a transfer of legal custody, or a disposal for the chosen items. The server checks the
 * agency, the items' states, holds and open requests; a refusal shows its detail here, and a refused field
 * beside that field.
 */
export function RequestDialog({
  codes,
  open,
  onClose,
  kind: firstKind = 'loan',
}: {
  codes: string[];
  open: boolean;
  onClose: () => void;
  /** The kind the dialog opens with; the user may still choose another. */
  kind?: FiledKind;
}) {
  const w = useWords(words);
  const c = useWords(common);
  const me = useMe().data;
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form) ?? firstKind;
  const file = useFileRequest();
  const agencies = useAgencies();
  // One key per request filled in: a second press after a dropped answer is the same request.
  const key = useRef(crypto.randomUUID());
  const [filed, setFiled] = useState(false);

  const submit = (values: Values) =>
    file.mutate(
      { body: toRequest(codes, values), key: key.current },
      {
        onSuccess: () => setFiled(true),
        onError: (error) => {
          if (!(error instanceof Problem)) return;
          form.setFields(
            (error.body.errors ?? [])
              .filter((f) => f.in === 'body' && f.field in form.getFieldsValue())
              .map((f) => ({ name: f.field as keyof Values, errors: [f.detail] })),
          );
        },
      },
    );

  const close = () => {
    // The form outlives the dialog: what was typed for one request must not carry over to the next.
    form.resetFields();
    file.reset();
    setFiled(false);
    key.current = crypto.randomUUID();
    onClose();
  };
  const required = [{ required: true, whitespace: true, message: w.required }];

  return (
    <Modal
      open={open}
      title={w.fileTitle}
      onCancel={close}
      destroyOnHidden
      maskClosable={false}
      footer={
        filed ? (
          <Button type="primary" onClick={close}>
            {w.done}
          </Button>
        ) : (
          <Flex gap={8} justify="end">
            <Button onClick={close}>{w.cancel}</Button>
            <Button type="primary" loading={file.isPending} onClick={() => form.submit()}>
              {w.submit}
            </Button>
          </Flex>
        )
      }
    >
      {filed ? (
        <Result
          status="success"
          title={w.filed}
          subTitle={w.filedDetail(codes.length)}
          extra={
            <Link to="/requests" onClick={close}>
              {w.viewRequests}
            </Link>
          }
        />
      ) : (
        <Form<Values>
          form={form}
          layout="vertical"
          requiredMark={false}
          initialValues={{ kind: firstKind, purpose: 'lab' }}
          onFinish={submit}
          onValuesChange={() => file.error && file.reset()}
        >
          <p style={{ marginTop: 0 }}>
            {w.fileFor(codes.length)}:{' '}
            {codes.slice(0, SHOWN_CODES).map((code) => (
              <span key={code} style={{ marginInlineEnd: 6, whiteSpace: 'nowrap' }}>
                <ItemCode code={code} />
              </span>
            ))}
            {codes.length > SHOWN_CODES && '…'}
          </p>
          <Form.Item name="kind" label={w.kind}>
            <Segmented<FiledKind> options={FILED_KINDS.map((k) => ({ value: k, label: w[`kind_${k}`] }))} />
          </Form.Item>
          {kind === 'loan' && (
            <>
              <Form.Item name="borrower" label={w.borrower} rules={required}>
                <Input maxLength={200} autoComplete="off" />
              </Form.Item>
              <Flex gap={12} wrap>
                <Form.Item name="purpose" label={w.purpose} rules={required} style={{ flex: '1 1 160px' }}>
                  <Select options={LOAN_PURPOSES.map((p) => ({ value: p, label: c[`purpose_${p}`] }))} />
                </Form.Item>
                <Form.Item
                  name="dueAt"
                  label={w.dueAt}
                  rules={[{ required: true, message: w.required }]}
                  style={{ flex: '1 1 200px' }}
                >
                  <DatePicker
                    showTime={{ format: 'HH:mm' }}
                    format="YYYY-MM-DD HH:mm"
                    disabledDate={(day) => day.isBefore(dayjs(), 'day')}
                    style={{ width: '100%' }}
                  />
                </Form.Item>
              </Flex>
            </>
          )}
          {kind === 'transfer' && (
            <Form.Item name="toAgencyCode" label={w.toAgency} rules={required}>
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                loading={agencies.isPending}
                options={(agencies.data?.items ?? [])
                  .filter((agency) => agency.id !== me?.agencyId)
                  .map((agency) => ({ value: agency.code, label: `${agency.name}（${agency.code}）` }))}
              />
            </Form.Item>
          )}
          {kind === 'disposal' && (
            <Flex gap={12} wrap>
              <Form.Item name="method" label={w.method} rules={required} style={{ flex: '1 1 180px' }}>
                <Select options={DISPOSAL_METHODS.map((m) => ({ value: m, label: w[`method_${m}`] }))} />
              </Form.Item>
              <Form.Item
                name="orderReference"
                label={w.orderReference}
                rules={required}
                extra={w.orderReferenceHint}
                style={{ flex: '1 1 220px' }}
              >
                <Input maxLength={200} autoComplete="off" />
              </Form.Item>
            </Flex>
          )}
          <Form.Item name="reason" label={w.reason} rules={required}>
            <Input.TextArea maxLength={1000} autoSize={{ minRows: 2, maxRows: 6 }} />
          </Form.Item>
          {(file.error || agencies.error) && <ProblemAlert error={file.error ?? agencies.error} />}
        </Form>
      )}
    </Modal>
  );
}
