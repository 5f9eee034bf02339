import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { ProblemAlert } from '../../components/ProblemAlert';
import { api, ok } from '../../lib/api';
import type { Me } from '../../lib/api-shapes';
import { useWords } from '../../lib/i18n';
import { ME_KEY } from '../../lib/session';
import { common } from '../../lib/words';
import { words } from './words';

/** Only a path of this console: `next` comes from the address bar, so it must never lead off-site. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

export default function SignInPage() {
  const w = useWords(words);
  const c = useWords(common);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const [mustChange, setMustChange] = useState<string>();

  const enter = (user: Me) => {
    queryClient.setQueryData(ME_KEY, user);
    navigate(safeNext(params.get('next')), { replace: true });
  };

  const signIn = useMutation({
    mutationFn: (body: { username: string; password: string }) => ok(api.POST('/auth/session', { body })),
    onSuccess: (session, body) => {
      if (session.passwordChangeRequired) setMustChange(body.password);
      else enter(session.user);
    },
  });
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => ok(api.POST('/auth/password', { body })),
    onSuccess: (session) => {
      if ('user' in session) enter(session.user);
    },
  });

  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 16, background: '#f0f2f5' }}>
      <main style={{ width: '100%', maxWidth: 380 }}>
        <Card
          title={
            <div>
              <Typography.Title level={1} style={{ fontSize: 22, margin: '8px 0 0' }}>
                {c.appName}
              </Typography.Title>
              <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
                {w.subtitle}
              </Typography.Text>
            </div>
          }
          extra={<LanguageSwitch />}
        >
          {mustChange === undefined ? (
            <Form layout="vertical" onFinish={(values) => signIn.mutate(values)} requiredMark={false}>
              <Typography.Title level={2} style={{ fontSize: 18 }}>
                {w.title}
              </Typography.Title>
              <Form.Item name="username" label={w.username} rules={[{ required: true, message: w.required }]}>
                <Input autoComplete="username" autoFocus />
              </Form.Item>
              <Form.Item name="password" label={w.password} rules={[{ required: true, message: w.required }]}>
                <Input.Password autoComplete="current-password" />
              </Form.Item>
              {signIn.error && (
                <div style={{ marginBottom: 16 }}>
                  <ProblemAlert error={signIn.error} />
                </div>
              )}
              <Button type="primary" htmlType="submit" block loading={signIn.isPending}>
                {w.signIn}
              </Button>
            </Form>
          ) : (
            <Form
              layout="vertical"
              requiredMark={false}
              onFinish={(values: { newPassword: string }) =>
                change.mutate({ currentPassword: mustChange, newPassword: values.newPassword })
              }
            >
              <Typography.Title level={2} style={{ fontSize: 18 }}>
                {w.changeTitle}
              </Typography.Title>
              <Typography.Paragraph>{w.changeHint}</Typography.Paragraph>
              <Form.Item name="newPassword" label={w.newPassword} rules={[{ required: true, message: w.required }]}>
                <Input.Password autoComplete="new-password" autoFocus />
              </Form.Item>
              <Form.Item
                name="repeat"
                label={w.repeatPassword}
                dependencies={['newPassword']}
                rules={[
                  { required: true, message: w.required },
                  ({ getFieldValue }) => ({
                    validator: (_, value) =>
                      value === getFieldValue('newPassword')
                        ? Promise.resolve()
                        : Promise.reject(new Error(w.mismatch)),
                  }),
                ]}
              >
                <Input.Password autoComplete="new-password" />
              </Form.Item>
              {change.error && (
                <div style={{ marginBottom: 16 }}>
                  <ProblemAlert error={change.error} />
                </div>
              )}
              <Button type="primary" htmlType="submit" block loading={change.isPending}>
                {w.change}
              </Button>
            </Form>
          )}
        </Card>
      </main>
    </Flex>
  );
}
