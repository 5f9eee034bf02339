import { Button, Flex, Form, Input, Select, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useAgencies, type Agency } from '../../lib/agencies';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { words } from './agencies.words';
import { useChangeAgency, useCreateAgency, type AgencyKind } from './api';
import { FormDialog, showFieldErrors } from './dialog';
import { admin } from './words';

// Every kind the server knows, in this order; a kind added on the server fails to compile here until named.
export const AGENCY_KINDS = Object.keys({
  police: 1,
  procuratorate: 1,
  court: 1,
  commission: 1,
  custody_centre: 1,
} satisfies Record<AgencyKind, 1>) as AgencyKind[];

// The server's own rule (src/api/directory.schemas.ts), checked before it is asked.
const CODE = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;

interface Values {
  code: string;
  name: string;
  kind: AgencyKind;
}

/** A new agency, or an existing one's name and kind (its code never changes). */
function AgencyDialog({ editing, open, onClose }: { editing?: Agency; open: boolean; onClose: () => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const [form] = Form.useForm<Values>();
  const create = useCreateAgency();
  const change = useChangeAgency();
  const running = editing ? change : create;
  const close = () => {
    form.resetFields();
    create.reset();
    change.reset();
    onClose();
  };
  const submit = (v: Values) => {
    const handlers = { onSuccess: close, onError: (error: unknown) => showFieldErrors(form, error) };
    if (editing) change.mutate({ id: editing.id, body: { name: v.name.trim(), kind: v.kind } }, handlers);
    else create.mutate({ code: v.code.trim(), name: v.name.trim(), kind: v.kind }, handlers);
  };
  return (
    <FormDialog
      open={open}
      title={editing ? w.editTitle(editing.code) : w.createTitle}
      action={editing ? a.save : w.create}
      form={form}
      pending={running.isPending}
      error={running.error}
      onClose={close}
    >
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={editing ?? { kind: 'police' }}
        onFinish={submit}
        onValuesChange={() => running.error && running.reset()}
      >
        {!editing && (
          <Form.Item
            name="code"
            label={w.code}
            extra={w.codeHint}
            rules={[
              { required: true, whitespace: true, message: a.required },
              { pattern: CODE, message: w.codeFormat },
            ]}
          >
            <Input autoComplete="off" maxLength={32} autoFocus />
          </Form.Item>
        )}
        <Form.Item name="name" label={w.name} rules={[{ required: true, whitespace: true, message: a.required }]}>
          <Input autoComplete="off" maxLength={200} autoFocus={!!editing} />
        </Form.Item>
        <Form.Item name="kind" label={w.kind}>
          <Select options={AGENCY_KINDS.map((kind) => ({ value: kind, label: a[`agencyKind_${kind}`] }))} />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}

/** Every agency; the administrator adds one, renames one or corrects its kind. */
export default function AgenciesPage() {
  const w = useWords(words);
  const a = useWords(admin);
  const { lang } = useLang();
  const agencies = useAgencies();
  const [dialog, setDialog] = useState<{ editing?: Agency }>();
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">{agencies.data && w.count(agencies.data.total)}</Typography.Text>
        <Button type="primary" onClick={() => setDialog({})}>
          {w.create}
        </Button>
      </Flex>
      {agencies.error ? (
        <ProblemAlert error={agencies.error} />
      ) : (
        <Table<Agency>
          rowKey="id"
          size="middle"
          loading={agencies.isFetching}
          dataSource={agencies.data?.items}
          pagination={false}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          columns={[
            { key: 'code', title: w.code, dataIndex: 'code', width: 200 },
            { key: 'name', title: w.name, dataIndex: 'name' },
            { key: 'kind', title: w.kind, width: 180, render: (_, g) => a[`agencyKind_${g.kind}`] },
            { key: 'createdAt', title: w.createdAt, width: 190, render: (_, g) => formatTime(g.createdAt, lang) },
            {
              key: 'actions',
              title: a.actions,
              width: 190,
              render: (_, g) => (
                <Flex gap={12} align="center">
                  <Button size="small" onClick={() => setDialog({ editing: g })} aria-label={`${a.edit} ${g.code}`}>
                    {a.edit}
                  </Button>
                  <Link to={`/admin/log?subject=${g.id}`}>{a.history}</Link>
                </Flex>
              ),
            },
          ]}
        />
      )}
      <AgencyDialog open={!!dialog} editing={dialog?.editing} onClose={() => setDialog(undefined)} />
    </Flex>
  );
}
