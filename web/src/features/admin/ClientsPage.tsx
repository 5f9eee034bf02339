import {
  Button,
  Checkbox,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Segmented,
  Select,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useAgencies } from '../../lib/agencies';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { tones } from '../../lib/tones';
import { common } from '../../lib/words';
import {
  useChangeClientSecret,
  useClients,
  useCreateClient,
  useRevokeClient,
  type Client,
  type ClientWithSecret,
  type NewClient,
} from './api';
import { words } from './clients.words';
import { FormDialog, showFieldErrors } from './dialog';
import { SecretOnce } from './secrets';
import { admin } from './words';

const PAGE_SIZE = 50;
type State = 'all' | 'true' | 'false';
type ClientRole = NewClient['roles'][number];
// Every role a system may hold (the server refuses an administrator's); a role added there fails to compile here.
const CLIENT_ROLES = Object.keys({
  officer: 1,
  clerk: 1,
  warehouse: 1,
  approver: 1,
  inspector: 1,
} satisfies Record<ClientRole, 1>) as ClientRole[];

/** What a system is configured with: its id and secret (shown this once), and where and how it asks for tokens. */
function ClientSecret({ client, title, hint }: { client: ClientWithSecret; title: string; hint: string }) {
  const w = useWords(words);
  return (
    <SecretOnce
      title={title}
      hint={hint}
      rows={[
        { label: w.clientId, value: client.clientId },
        { label: w.clientSecret, value: client.clientSecret, secret: true },
        { label: w.tokenUrl, value: `${window.location.origin}/api/v1/oauth/token` },
        { label: w.grant, value: 'client_credentials' },
      ]}
    />
  );
}

interface Values {
  name: string;
  agencyCode: string;
  roles: ClientRole[];
}

/** A new API client: its secret is then shown this once, with its client id. */
function CreateDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const c = useWords(common);
  const [form] = Form.useForm<Values>();
  const agencies = useAgencies();
  const create = useCreateClient();
  const close = () => {
    form.resetFields();
    create.reset();
    onClose();
  };
  const submit = (v: Values) =>
    create.mutate({ ...v, name: v.name.trim() }, { onError: (error) => showFieldErrors(form, error) });
  return (
    <FormDialog
      open={open}
      title={w.create}
      action={w.create}
      form={form}
      pending={create.isPending}
      error={create.error}
      onClose={close}
      done={
        create.data && <ClientSecret client={create.data} title={w.created(create.data.name)} hint={w.createdHint} />
      }
    >
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ roles: [] }}
        onFinish={submit}
        onValuesChange={() => create.error && create.reset()}
      >
        <Form.Item
          name="name"
          label={w.name}
          extra={w.nameHint}
          rules={[{ required: true, whitespace: true, message: a.required }]}
        >
          <Input autoComplete="off" maxLength={200} autoFocus />
        </Form.Item>
        <Form.Item name="agencyCode" label={w.agency} rules={[{ required: true, message: a.required }]}>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            loading={agencies.isPending}
            options={agencies.data?.items.map((g) => ({ value: g.code, label: `${g.name}（${g.code}）` }))}
          />
        </Form.Item>
        <Form.Item
          name="roles"
          label={w.roles}
          extra={w.rolesHint}
          rules={[{ required: true, type: 'array', min: 1, message: w.rolesRequired }]}
        >
          <Checkbox.Group options={CLIENT_ROLES.map((role) => ({ value: role, label: c[`role_${role}`] }))} />
        </Form.Item>
      </Form>
    </FormDialog>
  );
}

/** A new secret or revocation, each confirmed first; a refusal is shown where it was asked. */
function ClientActions({ client, onNewSecret }: { client: Client; onNewSecret: (c: ClientWithSecret) => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const secret = useChangeClientSecret();
  const revoke = useRevokeClient();
  const error = secret.error ?? revoke.error;
  return (
    <Flex vertical gap={4}>
      <Flex gap={8} wrap align="center">
        {client.active && (
          <>
            <Popconfirm
              title={w.newSecretConfirm(client.name)}
              okText={w.newSecret}
              cancelText={a.cancel}
              onConfirm={() => secret.mutateAsync(client.id).then(onNewSecret, () => undefined)}
            >
              <Button size="small" loading={secret.isPending}>
                {w.newSecret}
              </Button>
            </Popconfirm>
            <Popconfirm
              title={w.revokeConfirm(client.name)}
              okText={w.revoke}
              cancelText={a.cancel}
              okButtonProps={{ danger: true }}
              onConfirm={() => revoke.mutateAsync(client.id).catch(() => undefined)}
            >
              <Button size="small" danger loading={revoke.isPending}>
                {w.revoke}
              </Button>
            </Popconfirm>
          </>
        )}
        <Link to={`/admin/log?subject=${client.id}`}>{a.history}</Link>
      </Flex>
      {error && (
        <ProblemAlert
          error={error}
          onClose={() => {
            secret.reset();
            revoke.reset();
          }}
        />
      )}
    </Flex>
  );
}

/** Every API client, filtered by state in the URL; created, given a new secret and revoked here. */
export default function ClientsPage() {
  const w = useWords(words);
  const a = useWords(admin);
  const c = useWords(common);
  const { lang } = useLang();
  const agencies = useAgencies();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const state = (params.get('active') ?? 'all') as State;
  const clients = useClients(state === 'all' ? undefined : state, PAGE_SIZE, (page - 1) * PAGE_SIZE);
  const [creating, setCreating] = useState(false);
  const [changed, setChanged] = useState<ClientWithSecret>();
  const agencyName = new Map(agencies.data?.items.map((g) => [g.code, g.name]));

  const setPage = (next: number, p = new URLSearchParams(params)) => {
    if (next > 1) p.set('page', String(next));
    else p.delete('page');
    setParams(p);
  };
  const setState = (value: State) => {
    const p = new URLSearchParams(params);
    if (value === 'all') p.delete('active');
    else p.set('active', value);
    setPage(1, p);
  };

  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Flex gap={12} wrap align="center" justify="space-between">
        <Segmented<State>
          aria-label={w.filterState}
          value={state}
          onChange={setState}
          options={[
            { value: 'all', label: a.all },
            { value: 'true', label: w.active },
            { value: 'false', label: w.revoked },
          ]}
        />
        <Button type="primary" onClick={() => setCreating(true)}>
          {w.create}
        </Button>
      </Flex>
      {clients.error ? (
        <ProblemAlert error={clients.error} />
      ) : (
        <Table<Client>
          rowKey="id"
          size="middle"
          loading={clients.isFetching}
          dataSource={clients.data?.items}
          scroll={{ x: 1250 }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: clients.data?.total,
            showSizeChanger: false,
            showTotal: (total) => w.count(total),
            onChange: (next) => setPage(next),
          }}
          columns={[
            { key: 'name', title: w.name, dataIndex: 'name', width: 180 },
            {
              key: 'clientId',
              title: w.clientId,
              width: 250,
              render: (_, client) => (
                <Typography.Text code copyable={{ tooltips: [a.copy, a.copied] }}>
                  {client.clientId}
                </Typography.Text>
              ),
            },
            {
              key: 'agency',
              title: w.agency,
              width: 180,
              render: (_, client) => agencyName.get(client.agencyCode) ?? client.agencyCode,
            },
            {
              key: 'roles',
              title: w.roles,
              render: (_, client) => (
                <Flex gap={4} wrap>
                  {client.roles.map((role) => (
                    <Tag key={role} style={tones.blue}>
                      {c[`role_${role}`]}
                    </Tag>
                  ))}
                </Flex>
              ),
            },
            {
              key: 'state',
              title: w.state,
              width: 100,
              render: (_, client) => (
                <Tag style={client.active ? tones.green : tones.red}>{client.active ? w.active : w.revoked}</Tag>
              ),
            },
            {
              key: 'createdAt',
              title: w.createdAt,
              width: 170,
              render: (_, client) => formatTime(client.createdAt, lang),
            },
            {
              key: 'actions',
              title: a.actions,
              width: 250,
              render: (_, client) => <ClientActions client={client} onNewSecret={setChanged} />,
            },
          ]}
        />
      )}
      <CreateDialog open={creating} onClose={() => setCreating(false)} />
      <Modal
        open={!!changed}
        title={w.newSecret}
        onCancel={() => setChanged(undefined)}
        destroyOnHidden
        maskClosable={false}
        footer={
          <Button type="primary" onClick={() => setChanged(undefined)}>
            {a.close}
          </Button>
        }
      >
        {changed && <ClientSecret client={changed} title={w.secretChanged(changed.name)} hint={w.secretChangedHint} />}
      </Modal>
    </Flex>
  );
}
