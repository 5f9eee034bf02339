import { Button, Checkbox, Flex, Form, Input, Select } from 'antd';
import { useState } from 'react';
import { useAgencies } from '../../lib/agencies';
import { useWords } from '../../lib/i18n';
import { common } from '../../lib/words';
import { useCreateUser, useSetPassword, useSetRoles, type Role, type User } from './api';
import { FormDialog, showFieldErrors } from './dialog';
import { generatePassword, SecretOnce } from './secrets';
import { words } from './users.words';
import { admin } from './words';

// Every role the server knows; a role added there fails to compile here until named.
export const ROLES = Object.keys({
  officer: 1,
  clerk: 1,
  warehouse: 1,
  approver: 1,
  inspector: 1,
  admin: 1,
} satisfies Record<Role, 1>) as Role[];

// The server's own rules (src/api/directory.schemas.ts), checked before it is asked.
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const MIN_PASSWORD = 12;

function RoleChoice() {
  const c = useWords(common);
  const w = useWords(words);
  return (
    <Form.Item
      name="roles"
      label={w.roles}
      rules={[{ required: true, type: 'array', min: 1, message: w.rolesRequired }]}
    >
      <Checkbox.Group options={ROLES.map((role) => ({ value: role, label: c[`role_${role}`] }))} />
    </Form.Item>
  );
}

/** A password field holding a generated password, which the administrator may replace with their own. */
function PasswordField({ name, label, hint }: { name: string; label: string; hint: string }) {
  const w = useWords(words);
  const a = useWords(admin);
  const form = Form.useFormInstance();
  return (
    <Form.Item label={label} extra={hint} required={false}>
      <Flex gap={8}>
        <Form.Item
          name={name}
          noStyle
          rules={[
            { required: true, whitespace: true, message: a.required },
            { min: MIN_PASSWORD, message: w.passwordLength },
          ]}
        >
          <Input autoComplete="off" spellCheck={false} aria-label={label} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        <Button onClick={() => form.setFieldValue(name, generatePassword())}>{w.regenerate}</Button>
      </Flex>
    </Form.Item>
  );
}

interface NewUserValues {
  username: string;
  displayName: string;
  agencyCode: string;
  roles: Role[];
  password: string;
}

/** A new user: the password chosen here is shown once more when the user exists, to hand over. */
export function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const [form] = Form.useForm<NewUserValues>();
  const agencies = useAgencies();
  const create = useCreateUser();
  const [made, setMade] = useState<{ username: string; password: string }>();
  const close = () => {
    form.resetFields();
    create.reset();
    setMade(undefined);
    onClose();
  };
  const submit = (v: NewUserValues) => {
    const body = { ...v, username: v.username.trim(), displayName: v.displayName.trim() };
    create.mutate(body, {
      onSuccess: (user) => setMade({ username: user.username, password: body.password }),
      onError: (error) => showFieldErrors(form, error),
    });
  };
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
        made && (
          <SecretOnce
            title={w.created(made.username)}
            hint={w.createdHint}
            rows={[
              { label: w.username, value: made.username },
              { label: w.password, value: made.password, secret: true },
            ]}
          />
        )
      }
    >
      <Form<NewUserValues>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ roles: [], password: generatePassword() }}
        onFinish={submit}
        onValuesChange={() => create.error && create.reset()}
      >
        <Form.Item
          name="username"
          label={w.username}
          extra={w.usernameHint}
          rules={[
            { required: true, whitespace: true, message: a.required },
            { pattern: USERNAME, message: w.usernameFormat },
          ]}
        >
          <Input autoComplete="off" maxLength={64} autoFocus />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={w.displayName}
          rules={[{ required: true, whitespace: true, message: a.required }]}
        >
          <Input autoComplete="off" maxLength={200} />
        </Form.Item>
        <Form.Item name="agencyCode" label={w.agency} rules={[{ required: true, message: a.required }]}>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            loading={agencies.isPending}
            options={agencies.data?.items.map((g) => ({ value: g.code, label: `${g.name}（${g.code}）` }))}
          />
        </Form.Item>
        <RoleChoice />
        <PasswordField name="password" label={w.password} hint={w.passwordHint} />
      </Form>
    </FormDialog>
  );
}

/** Replaces a user's roles. */
export function RolesDialog({ user, onClose }: { user: User | undefined; onClose: () => void }) {
  const w = useWords(words);
  const a = useWords(admin);
  const [form] = Form.useForm<{ roles: Role[] }>();
  const setRoles = useSetRoles();
  const close = () => {
    form.resetFields();
    setRoles.reset();
    onClose();
  };
  return (
    <FormDialog
      open={!!user}
      title={user ? w.rolesTitle(user.username) : ''}
      action={a.save}
      form={form}
      pending={setRoles.isPending}
      error={setRoles.error}
      onClose={close}
    >
      {user && (
        <Form<{ roles: Role[] }>
          form={form}
          layout="vertical"
          requiredMark={false}
          initialValues={{ roles: user.roles }}
          onFinish={({ roles }) => setRoles.mutate({ id: user.id, roles }, { onSuccess: close })}
        >
          <RoleChoice />
        </Form>
      )}
    </FormDialog>
  );
}

/** Gives a user a new password, shown once to hand over; the user must change it at the next sign-in. */
export function PasswordDialog({ user, onClose }: { user: User | undefined; onClose: () => void }) {
  const w = useWords(words);
  const [form] = Form.useForm<{ password: string }>();
  const setPassword = useSetPassword();
  const [given, setGiven] = useState<string>();
  const close = () => {
    form.resetFields();
    setPassword.reset();
    setGiven(undefined);
    onClose();
  };
  return (
    <FormDialog
      open={!!user}
      title={user ? w.resetTitle(user.username) : ''}
      action={w.resetPassword}
      form={form}
      pending={setPassword.isPending}
      error={setPassword.error}
      onClose={close}
      done={
        user &&
        given && (
          <SecretOnce
            title={w.passwordSet(user.username)}
            hint={w.passwordSetHint}
            rows={[
              { label: w.username, value: user.username },
              { label: w.newPassword, value: given, secret: true },
            ]}
          />
        )
      }
    >
      {user && (
        <Form<{ password: string }>
          form={form}
          layout="vertical"
          requiredMark={false}
          initialValues={{ password: generatePassword() }}
          onFinish={({ password }) =>
            setPassword.mutate(
              { id: user.id, password },
              { onSuccess: () => setGiven(password), onError: (error) => showFieldErrors(form, error) },
            )
          }
          onValuesChange={() => setPassword.error && setPassword.reset()}
        >
          <PasswordField name="password" label={w.newPassword} hint={w.newPasswordHint} />
        </Form>
      )}
    </FormDialog>
  );
}
