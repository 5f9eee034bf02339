import { ArrowLeftOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Flex, Form, Skeleton, Typography } from 'antd';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { Problem } from '../../lib/problem';
import { useCaseOf, useRegisterItems } from './register/api';
import { ItemCard, toNewItem, type ItemValues } from './register/ItemCard';
import { Registered, type Registration } from './register/Registered';
import { words } from './register/words';

interface FormValues {
  items: ItemValues[];
}

/** Registers several seized items of a case at once, with their photographs, and offers their labels. */
export default function RegisterItemsPage() {
  const { id = '' } = useParams();
  const w = useWords(words);
  const found = useCaseOf(id);
  const [form] = Form.useForm<FormValues>();
  const register = useRegisterItems(id);
  const [done, setDone] = useState<Registration>();
  // One key per submission of the same items: a second press after a dropped answer is the same registration.
  const key = useRef(crypto.randomUUID());
  const count = Form.useWatch('items', form)?.length ?? 1;

  const submit = (values: FormValues) => {
    register.mutate(
      { items: values.items.map(toNewItem), key: key.current },
      {
        onSuccess: ({ items }) => {
          key.current = crypto.randomUUID();
          setDone({ items, photos: values.items.map((item) => item.photos ?? []) });
        },
        onError: (error) => {
          // The server names each refused field (items.0.quantity): shown beside the field it is about.
          if (!(error instanceof Problem)) return;
          form.setFields(
            (error.body.errors ?? [])
              .filter((f) => f.in === 'body' && /^items\.\d+\.\w+$/.test(f.field))
              .map((f) => {
                const [, index, field] = f.field.split('.');
                return { name: ['items', Number(index), field!], errors: [f.detail] };
              }) as Parameters<typeof form.setFields>[0],
          );
        },
      },
    );
  };

  const back = (
    <Link to={`/cases/${id}`}>
      <ArrowLeftOutlined /> {w.backToCase}
    </Link>
  );
  if (found.error) {
    return (
      <Flex vertical gap={16}>
        {back}
        <ProblemAlert error={found.error} />
      </Flex>
    );
  }
  if (!found.data) return <Skeleton active />;

  if (done) {
    return (
      <Registered
        caseId={id}
        registration={done}
        onMore={() => {
          setDone(undefined);
          form.resetFields();
          register.reset();
        }}
      />
    );
  }

  return (
    <Flex vertical gap={16} style={{ maxWidth: 1100 }}>
      {back}
      <div>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {w.title}
        </Typography.Title>
        <Typography.Text type="secondary">{w.caseLine(found.data.caseNumber, found.data.title)}</Typography.Text>
      </div>
      <Form<FormValues>
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ items: [{ seizedAt: dayjs().second(0).millisecond(0) }] }}
        scrollToFirstError
      >
        <Form.List name="items">
          {(fields, { add, remove }) => (
            <Flex vertical gap={16}>
              {fields.map((field) => (
                <ItemCard
                  key={field.key}
                  index={field.name}
                  form={form}
                  onRemove={fields.length > 1 ? () => remove(field.name) : undefined}
                />
              ))}
              <Button
                type="dashed"
                icon={<PlusOutlined />}
                onClick={() => {
                  // Items seized together share when, where and from whom: the new one starts with the last's.
                  const last = form.getFieldValue(['items', fields.length - 1]) as ItemValues | undefined;
                  add({ seizedAt: last?.seizedAt, seizedFrom: last?.seizedFrom, seizedPlace: last?.seizedPlace });
                }}
              >
                {w.addItem}
              </Button>
            </Flex>
          )}
        </Form.List>
        {register.error && (
          <div style={{ marginTop: 16 }}>
            <ProblemAlert error={register.error} />
          </div>
        )}
        <Button type="primary" htmlType="submit" size="large" loading={register.isPending} style={{ marginTop: 16 }}>
          {register.isPending ? w.registering : w.submit(count)}
        </Button>
      </Form>
    </Flex>
  );
}
