import { useMutation } from '@tanstack/react-query';
import { Button, Flex, Form, Modal, Radio, Space } from 'antd';
import { useEffect, useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { fetchBlob } from '../../lib/api';
import { useLang, useWords, type Lang } from '../../lib/i18n';
import { words } from './locations.words';
import { admin } from './words';

const SIZES = ['100x50mm', '2x1in', 'a4'] as const;

interface Values {
  size: (typeof SIZES)[number];
  lang: Lang;
}

/** The labels of a location and everything under it, for the scan station to read where an item goes. */
export function LocationLabelsDialog({ code, onClose }: { code: string | undefined; onClose: () => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const { lang } = useLang();
  const [form] = Form.useForm<Values>();
  const [pdf, setPdf] = useState<string>();
  const print = useMutation({
    mutationFn: (v: Values) =>
      fetchBlob(`/locations/${encodeURIComponent(code!)}/labels.pdf?${new URLSearchParams({ ...v })}`),
    onSuccess: (blob) => setPdf(URL.createObjectURL(blob)),
  });
  useEffect(() => () => void (pdf && URL.revokeObjectURL(pdf)), [pdf]);
  const close = () => {
    setPdf(undefined);
    print.reset();
    onClose();
  };
  return (
    <Modal
      open={!!code}
      title={code ? w.labelsTitle(code) : ''}
      onCancel={close}
      destroyOnHidden
      footer={
        <Flex gap={8} justify="end">
          <Button onClick={close}>{a.close}</Button>
          {!pdf && (
            <Button type="primary" loading={print.isPending} onClick={() => form.submit()}>
              {w.print}
            </Button>
          )}
        </Flex>
      }
    >
      <p style={{ marginTop: 0 }}>{w.labelsHint}</p>
      {pdf ? (
        <Space>
          <Button type="primary" href={pdf} target="_blank" rel="noopener">
            {w.openPdf}
          </Button>
        </Space>
      ) : (
        <Form<Values> form={form} layout="vertical" initialValues={{ size: '100x50mm', lang }} onFinish={print.mutate}>
          <Form.Item name="size" label={w.size}>
            <Radio.Group options={SIZES.map((size) => ({ value: size, label: w[`size_${size}`] }))} />
          </Form.Item>
          <Form.Item name="lang" label={w.language}>
            <Radio.Group
              optionType="button"
              options={[
                { value: 'zh', label: '中文' },
                { value: 'en', label: 'English' },
              ]}
            />
          </Form.Item>
          {print.error && <ProblemAlert error={print.error} />}
        </Form>
      )}
    </Modal>
  );
}
