import { Button, Flex, Popconfirm, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useAgencies } from '../../lib/agencies';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { useMe } from '../../lib/session';
import { tones } from '../../lib/tones';
import { common } from '../../lib/words';
import { useSetActive, useUsers, type Role, type User, type UserFilter } from './api';
import { CreateUserDialog, PasswordDialog, ROLES, RolesDialog } from './UserDialogs';
import { words } from './users.words';
import { admin } from './words';

const PAGE_SIZE = 50;
type State = 'all' | 'true' | 'false';

/** Activating or deactivating a user, confirmed first; a refusal (one's own account) is shown where it was asked. */
function ActiveSwitch({ user }: { user: User }) {
  const w = useWords(words);
  const setActive = useSetActive();
  const [open, setOpen] = useState(false);
  const deactivating = user.active;
  return (
    <>
      <Popconfirm
        open={open}
        onOpenChange={setOpen}
        title={deactivating ? w.deactivateConfirm(user.username) : w.reactivateConfirm(user.username)}
        okText={deactivating ? w.deactivate : w.reactivate}
        okButtonProps={{ danger: deactivating, loading: setActive.isPending }}
        onConfirm={() => setActive.mutateAsync({ id: user.id, active: !deactivating }).catch(() => undefined)}
      >
        <Button size="small" danger={deactivating}>
          {deactivating ? w.deactivate : w.reactivate}
        </Button>
      </Popconfirm>
      {setActive.error && <ProblemAlert error={setActive.error} onClose={() => setActive.reset()} />}
    </>
  );
}

/** Every user, filtered by agency, role and state in the URL; created, given roles, deactivated, reset here. */
export default function UsersPage() {
  const w = useWords(words);
  const a = useWords(admin);
  const c = useWords(common);
  const { lang } = useLang();
  const me = useMe().data;
  const agencies = useAgencies();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const state = (params.get('active') ?? 'all') as State;
  const filter: UserFilter = {
    ...(params.get('agency') ? { agencyCode: params.get('agency')! } : {}),
    ...(params.get('role') ? { role: params.get('role') as Role } : {}),
    ...(state !== 'all' ? { active: state } : {}),
  };
  const users = useUsers(filter, PAGE_SIZE, (page - 1) * PAGE_SIZE);
  const [creating, setCreating] = useState(false);
  const [editingRoles, setEditingRoles] = useState<User>();
  const [resetting, setResetting] = useState<User>();
  const agencyName = new Map(agencies.data?.items.map((g) => [g.code, g.name]));

  /** Changes one filter, back to the first page. */
  const refine = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    next.delete('page');
    if (value && value !== 'all') next.set(name, value);
    else next.delete(name);
    setParams(next);
  };

  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Flex gap={12} wrap align="center" justify="space-between">
        <Space wrap>
          <Select
            aria-label={w.filterAgency}
            placeholder={w.filterAgency}
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            value={filter.agencyCode}
            onChange={(value?: string) => refine('agency', value)}
            options={agencies.data?.items.map((g) => ({ value: g.code, label: `${g.name}（${g.code}）` }))}
            style={{ width: 260 }}
          />
          <Select
            aria-label={w.filterRole}
            placeholder={w.filterRole}
            allowClear
            value={filter.role}
            onChange={(value?: string) => refine('role', value)}
            options={ROLES.map((role) => ({ value: role, label: c[`role_${role}`] }))}
            style={{ width: 160 }}
          />
          <Segmented<State>
            aria-label={w.filterState}
            value={state}
            onChange={(value) => refine('active', value)}
            options={[
              { value: 'all', label: a.all },
              { value: 'true', label: w.active },
              { value: 'false', label: w.inactive },
            ]}
          />
        </Space>
        <Button type="primary" onClick={() => setCreating(true)}>
          {w.create}
        </Button>
      </Flex>
      {users.error ? (
        <ProblemAlert error={users.error} />
      ) : (
        <Table<User>
          rowKey="id"
          size="middle"
          loading={users.isFetching}
          dataSource={users.data?.items}
          scroll={{ x: 1200 }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: users.data?.total,
            showSizeChanger: false,
            showTotal: (total) => w.count(total),
            onChange: (next) => {
              const p = new URLSearchParams(params);
              if (next > 1) p.set('page', String(next));
              else p.delete('page');
              setParams(p);
            },
          }}
          columns={[
            { key: 'username', title: w.username, dataIndex: 'username', width: 150 },
            { key: 'displayName', title: w.displayName, dataIndex: 'displayName', width: 120 },
            {
              key: 'agency',
              title: w.agency,
              width: 200,
              render: (_, u) => agencyName.get(u.agencyCode) ?? u.agencyCode,
            },
            {
              key: 'roles',
              title: w.roles,
              render: (_, u) => (
                <Flex gap={4} wrap>
                  {u.roles.map((role) => (
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
              width: 130,
              render: (_, u) => (
                <Flex gap={4} wrap>
                  <Tag style={u.active ? tones.green : tones.red}>{u.active ? w.active : w.inactive}</Tag>
                  {u.mustChangePassword && <Tag style={tones.gold}>{w.mustChange}</Tag>}
                </Flex>
              ),
            },
            { key: 'createdAt', title: w.createdAt, width: 170, render: (_, u) => formatTime(u.createdAt, lang) },
            {
              key: 'actions',
              title: a.actions,
              width: 390,
              render: (_, u) => (
                <Flex gap={8} wrap align="center" data-testid="user-actions">
                  <Button size="small" onClick={() => setEditingRoles(u)}>
                    {w.changeRoles}
                  </Button>
                  <Button size="small" onClick={() => setResetting(u)}>
                    {w.resetPassword}
                  </Button>
                  {u.id !== me?.id && <ActiveSwitch user={u} />}
                  <Link to={`/admin/log?subject=${u.id}`}>{a.history}</Link>
                </Flex>
              ),
            },
          ]}
        />
      )}
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} />
      <RolesDialog user={editingRoles} onClose={() => setEditingRoles(undefined)} />
      <PasswordDialog user={resetting} onClose={() => setResetting(undefined)} />
    </Flex>
  );
}
