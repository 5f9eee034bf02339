import { DownloadOutlined, FilePdfOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Flex, Form, Input, InputNumber, Modal, Radio, Space } from 'antd';
import { useEffect, useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { fetchBlob } from '../../lib/api';
import { useLang, useWords, type Lang } from '../../lib/i18n';
import { Problem } from '../../lib/problem';
import { words } from './words';

export const LABEL_SIZES = ['100x50mm', '2x1in', 'a4'] as const;
export type LabelSize = (typeof LABEL_SIZES)[number];

/** Whose labels: every item of a case, or the items listed. */
export type LabelTarget = { caseId: string } | { codes: string[] };

interface PrintValues {
  size: LabelSize;
  lang: Lang;
  copies: number;
  reprint: boolean;
  reason?: string;
}

function labelsPath(target: LabelTarget, values: PrintValues): string {
  const query = new URLSearchParams({ size: values.size, lang: values.lang, copies: String(values.copies) });
  if (values.reprint && values.reason?.trim()) query.set('reason', values.reason.trim());
  if ('caseId' in target) return `/cases/${encodeURIComponent(target.caseId)}/labels.pdf?${query}`;
  query.set('codes', target.codes.join(','));
  return `/labels.pdf?${query}`;
}

// The server refuses a reprint without a reason (422) and says so; the dialog then asks for the reason.
const isReprintRefusal = (error: unknown) =>
  error instanceof Problem && error.status === 422 && /reprint/i.test(error.body.detail);

/**
 * Prints labels: the size, the language and the copies, and for a reprint its reason. Every print is recorded
 * in each item's ledger by the server, so the PDF is made only when asked for, and then opened or downloaded.
 */
export function PrintLabelsDialog({
  open,
  target,
  onClose,
}: {
  open: boolean;
  target: LabelTarget;
  onClose: () => void;
}) {
  const w = useWords(words);
  const { lang } = useLang();
  const [form] = Form.useForm<PrintValues>();
  const queryClient = useQueryClient();
  const [pdf, setPdf] = useState<{ url: string; name: string }>();
  const reprint = Form.useWatch('reprint', form);

  const print = useMutation({
    mutationFn: (values: PrintValues) => fetchBlob(labelsPath(target, values)),
    onSuccess: (blob) => {
      const name = 'caseId' in target ? `labels-${target.caseId}.pdf` : 'labels.pdf';
      setPdf({ url: URL.createObjectURL(blob), name });
      // The items' histories have a new label_printed event.
      void queryClient.invalidateQueries({ queryKey: ['items'] });
    },
    onError: (error) => {
      if (isReprintRefusal(error)) form.setFieldValue('reprint', true);
    },
  });

  useEffect(() => () => void (pdf && URL.revokeObjectURL(pdf.url)), [pdf]);

  const close = () => {
    setPdf(undefined);
    print.reset();
    onClose();
  };

  return (
    <Modal
      open={open}
      title={w.title}
      onCancel={close}
      destroyOnHidden
      footer={
        pdf ? (
          <Button onClick={close}>{w.close}</Button>
        ) : (
          <Space>
            <Button onClick={close}>{w.cancel}</Button>
            <Button type="primary" loading={print.isPending} onClick={() => form.submit()}>
              {w.print}
            </Button>
          </Space>
        )
      }
    >
      {pdf ? (
        <Flex vertical gap={16}>
          <Alert type="success" showIcon title={w.ready} role="status" />
          <Space wrap>
            <Button type="primary" icon={<FilePdfOutlined />} href={pdf.url} target="_blank" rel="noopener">
              {w.open}
            </Button>
            <Button icon={<DownloadOutlined />} href={pdf.url} download={pdf.name}>
              {w.download}
            </Button>
          </Space>
        </Flex>
      ) : (
        <Form<PrintValues>
          form={form}
          layout="vertical"
          initialValues={{ size: '100x50mm', lang, copies: 1, reprint: false }}
          onFinish={(values) => print.mutate(values)}
        >
          <p style={{ marginTop: 0 }}>{'caseId' in target ? w.forCase : w.forItems(target.codes.length)}</p>
          <Form.Item name="size" label={w.size}>
            <Radio.Group
              options={LABEL_SIZES.map((size) => ({ value: size, label: w[`size_${size}`] }))}
              style={{ display: 'flex', flexDirection: 'column', gap: 4 }}
            />
          </Form.Item>
          <Flex gap={16} wrap>
            <Form.Item name="lang" label={w.language}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'zh', label: w.lang_zh },
                  { value: 'en', label: w.lang_en },
                ]}
              />
            </Form.Item>
            <Form.Item name="copies" label={w.copies} rules={[{ required: true, message: w.required }]}>
              <InputNumber min={1} max={10} precision={0} style={{ width: 96 }} />
            </Form.Item>
          </Flex>
          <Form.Item name="reprint" valuePropName="checked" style={{ marginBottom: 8 }}>
            <Checkbox>{w.reprint}</Checkbox>
          </Form.Item>
          {reprint && (
            <Form.Item
              name="reason"
              label={w.reason}
              extra={isReprintRefusal(print.error) ? w.reprintNeeded : undefined}
              rules={[{ required: true, whitespace: true, message: w.required }]}
            >
              <Input.TextArea maxLength={500} rows={2} placeholder={w.reasonHint} autoFocus />
            </Form.Item>
          )}
          {print.error && <ProblemAlert error={print.error} />}
        </Form>
      )}
    </Modal>
  );
}
