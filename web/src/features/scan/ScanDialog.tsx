import { Button, Descriptions, Flex, Form, Input, Modal, Typography } from 'antd';
import { ItemCode } from '../../components/ItemCode';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { common, serverWord } from '../../lib/words';
import type { DialogAnswer, DialogRequest } from './station';
import { words } from './words';

const DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;

interface Values {
  username?: string;
  password?: string;
  condition?: string;
  sealNumber?: string;
  quantity?: string;
  weightGrams?: string;
}

/**
 * What a scan needs from people before it is sent: a witness's own username and password (cash, drugs,
 * firearms, valuables), a check-out's condition, a return's condition, seal, count and weight. Enter sends.
 */
export function ScanDialog({
  request,
  onAnswer,
  afterClose,
}: {
  request: DialogRequest | undefined;
  onAnswer: (answer: DialogAnswer | null) => void;
  afterClose: () => void;
}) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const open = !!request;
  const kind = request?.kind ?? 'witness';
  const category = request?.item?.category ?? request?.category;
  const title = kind === 'checkOut' ? w.checkOutTitle : kind === 'return' ? w.returnTitle : w.witnessTitle;

  const finish = (values: Values) =>
    onAnswer({
      witness: values.username ? { username: values.username, password: values.password ?? '' } : undefined,
      condition: values.condition?.trim(),
      sealNumber: values.sealNumber?.trim(),
      quantity: values.quantity?.trim(),
      weightGrams: values.weightGrams?.trim(),
    });
  const number = { pattern: DECIMAL, message: w.number };
  const optional = (label: string) => (
    <>
      {label}
      <Typography.Text type="secondary">{w.optional}</Typography.Text>
    </>
  );

  return (
    <Modal
      open={open}
      title={title}
      footer={null}
      onCancel={() => onAnswer(null)}
      afterClose={afterClose}
      destroyOnHidden
      maskClosable={false}
      width={480}
    >
      {request && (
        <Form<Values>
          layout="vertical"
          requiredMark={false}
          onFinish={finish}
          initialValues={{ condition: w.conditionDefault }}
        >
          {request.item && (
            <Descriptions
              size="small"
              column={1}
              bordered
              style={{ marginBottom: 16 }}
              items={[
                {
                  key: 'item',
                  label: w.item,
                  children: (
                    <>
                      <ItemCode code={request.item.code} /> {c[`category_${request.item.category}`]} ·{' '}
                      {request.item.description}
                    </>
                  ),
                },
                ...(request.loan
                  ? [
                      { key: 'borrower', label: w.borrower, children: request.loan.borrower },
                      {
                        key: 'purpose',
                        label: w.purpose,
                        children: request.loan.purpose ? c[`purpose_${request.loan.purpose}`] : '',
                      },
                      { key: 'due', label: w.dueAt, children: formatTime(request.loan.dueAt, lang) },
                    ]
                  : []),
              ]}
            />
          )}
          {(kind === 'checkOut' || kind === 'return') && (
            <Form.Item
              name="condition"
              label={w.condition}
              rules={[{ required: true, whitespace: true, message: w.required }]}
            >
              <Input autoFocus={!request.witness || kind === 'return'} autoComplete="off" />
            </Form.Item>
          )}
          {kind === 'return' && (
            <>
              <Typography.Paragraph type="secondary">{w.returnHint}</Typography.Paragraph>
              <Form.Item name="sealNumber" label={optional(w.sealNumber)}>
                <Input autoComplete="off" />
              </Form.Item>
              <Flex gap={12}>
                <Form.Item name="quantity" label={optional(w.quantity)} rules={[number]} style={{ flex: 1 }}>
                  <Input inputMode="decimal" autoComplete="off" />
                </Form.Item>
                <Form.Item name="weightGrams" label={optional(w.weightGrams)} rules={[number]} style={{ flex: 1 }}>
                  <Input inputMode="decimal" autoComplete="off" />
                </Form.Item>
              </Flex>
            </>
          )}
          {request.witness && (
            <>
              <Typography.Paragraph>
                {w.witnessHint(category ? serverWord(c, 'category', category) : w.item)}
              </Typography.Paragraph>
              {request.error !== undefined && (
                <div style={{ marginBottom: 16 }}>
                  <ProblemAlert error={request.error} />
                </div>
              )}
              <Form.Item
                name="username"
                label={w.witnessUsername}
                rules={[{ required: true, whitespace: true, message: w.required }]}
              >
                <Input autoComplete="off" autoFocus={kind !== 'return'} />
              </Form.Item>
              <Form.Item name="password" label={w.witnessPassword} rules={[{ required: true, message: w.required }]}>
                <Input.Password autoComplete="off" />
              </Form.Item>
            </>
          )}
          <Flex justify="end" gap={8}>
            <Button onClick={() => onAnswer(null)}>{w.cancel}</Button>
            <Button type="primary" htmlType="submit">
              {w.confirm}
            </Button>
          </Flex>
        </Form>
      )}
    </Modal>
  );
}
