import { DeleteOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Form, Input, Row, Select, type FormInstance } from 'antd';
import type { Dayjs } from 'dayjs';
import { CATEGORIES } from '../../../../../src/custody/items/item-kinds';
import { useLang, useWords } from '../../../lib/i18n';
import { common } from '../../../lib/words';
import type { NewItem } from './api';
import { PhotoField, type Photo } from './PhotoField';
import { words } from './words';

/** What the form holds for one item; `toNewItem` makes it what the server takes. */
export interface ItemValues {
  category?: NewItem['category'];
  description?: string;
  quantity?: string;
  unit?: string;
  amount?: string;
  currency?: string;
  weightGrams?: string;
  serialNumber?: string;
  sealNumber?: string;
  seizedFrom?: string;
  seizedPlace?: string;
  seizedAt?: Dayjs;
  photos?: Photo[];
}

// The server's rules (newItemBody), so that the form refuses what the server would, in the user's words.
const DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;
const CURRENCY = /^[A-Z]{3}$/;

const optional = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

export function toNewItem(values: ItemValues): NewItem {
  const valued = values.category === 'cash' || values.category === 'valuables';
  const amount = valued ? optional(values.amount) : undefined;
  return {
    category: values.category!,
    description: values.description!.trim(),
    quantity: values.quantity!.trim(),
    unit: values.unit!.trim(),
    ...(amount ? { amount, currency: optional(values.currency)?.toUpperCase() } : {}),
    ...(optional(values.weightGrams) ? { weightGrams: optional(values.weightGrams) } : {}),
    ...(optional(values.serialNumber) ? { serialNumber: optional(values.serialNumber) } : {}),
    ...(optional(values.sealNumber) ? { sealNumber: optional(values.sealNumber) } : {}),
    ...(optional(values.seizedFrom) ? { seizedFrom: optional(values.seizedFrom) } : {}),
    ...(optional(values.seizedPlace) ? { seizedPlace: optional(values.seizedPlace) } : {}),
    seizedAt: values.seizedAt!.format(),
  };
}

/** One item of the registration form: its particulars, its photographs, and a way to drop it. */
export function ItemCard({
  index,
  form,
  onRemove,
}: {
  index: number;
  form: FormInstance<{ items: ItemValues[] }>;
  onRemove?: () => void;
}) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const category = Form.useWatch(['items', index, 'category'], form);
  const required = { required: true, whitespace: true, message: w.required };
  const decimal = { pattern: DECIMAL, message: w.decimalRule };
  const name = (field: keyof ItemValues) => [index, field];
  const wide = { xs: 24, md: 12, xl: 8 };

  return (
    <Card
      data-testid="register-item"
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.item(index + 1)}</h2>}
      extra={
        onRemove && (
          <Button type="text" danger icon={<DeleteOutlined />} aria-label={w.remove(index + 1)} onClick={onRemove} />
        )
      }
    >
      <Row gutter={16}>
        <Col {...wide}>
          <Form.Item name={name('category')} label={w.category} rules={[{ required: true, message: w.required }]}>
            <Select options={CATEGORIES.map((name) => ({ value: name, label: c[`category_${name}`] }))} />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={4}>
          <Form.Item
            name={name('quantity')}
            label={w.quantity}
            rules={[
              required,
              decimal,
              {
                validator: async (_, v?: string) =>
                  v && Number(v) === 0 ? Promise.reject(new Error(w.positiveRule)) : undefined,
              },
            ]}
          >
            <Input inputMode="decimal" maxLength={22} />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={4}>
          <Form.Item name={name('unit')} label={w.unit} rules={[required]}>
            <Input maxLength={20} placeholder={w.unitHint} />
          </Form.Item>
        </Col>
        <Col {...wide}>
          <Form.Item name={name('seizedAt')} label={w.seizedAt} rules={[{ required: true, message: w.required }]}>
            <DatePicker
              showTime={{ format: 'HH:mm' }}
              format={lang === 'zh' ? 'YYYY-MM-DD HH:mm' : 'D MMM YYYY HH:mm'}
              style={{ width: '100%' }}
            />
          </Form.Item>
        </Col>
        <Col span={24}>
          <Form.Item name={name('description')} label={w.description} rules={[required]}>
            <Input.TextArea maxLength={2000} autoSize={{ minRows: 2, maxRows: 6 }} placeholder={w.descriptionHint} />
          </Form.Item>
        </Col>
        {(category === 'cash' || category === 'valuables') && (
          <>
            <Col xs={12} md={6} xl={4}>
              <Form.Item
                name={name('amount')}
                label={w.amount}
                rules={category === 'cash' ? [required, decimal] : [decimal]}
              >
                <Input inputMode="decimal" maxLength={22} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6} xl={4}>
              <Form.Item
                name={name('currency')}
                label={w.currency}
                normalize={(v?: string) => v?.toUpperCase()}
                rules={[...(category === 'cash' ? [required] : []), { pattern: CURRENCY, message: w.currencyRule }]}
              >
                <Input maxLength={3} />
              </Form.Item>
            </Col>
          </>
        )}
        <Col xs={12} md={6} xl={4}>
          <Form.Item name={name('weightGrams')} label={w.weightGrams} rules={[decimal]}>
            <Input inputMode="decimal" maxLength={22} />
          </Form.Item>
        </Col>
        <Col xs={12} md={6} xl={4}>
          <Form.Item name={name('sealNumber')} label={w.sealNumber}>
            <Input maxLength={100} />
          </Form.Item>
        </Col>
        <Col {...wide}>
          <Form.Item name={name('serialNumber')} label={w.serialNumber}>
            <Input maxLength={100} />
          </Form.Item>
        </Col>
        <Col {...wide}>
          <Form.Item name={name('seizedFrom')} label={w.seizedFrom}>
            <Input maxLength={200} />
          </Form.Item>
        </Col>
        <Col {...wide}>
          <Form.Item name={name('seizedPlace')} label={w.seizedPlace}>
            <Input maxLength={500} />
          </Form.Item>
        </Col>
        <Col span={24}>
          <Form.Item name={name('photos')} label={w.photos} style={{ marginBottom: 0 }}>
            <PhotoField />
          </Form.Item>
        </Col>
      </Row>
    </Card>
  );
}
