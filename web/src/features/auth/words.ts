import { defineWords } from '../../lib/i18n';

export const words = defineWords(
  {
    title: '登录',
    subtitle: '涉案财物全流程管理',
    username: '用户名',
    password: '密码',
    signIn: '登录',
    required: '请填写此项',
    changeTitle: '请设置新密码',
    changeHint: '管理员为您设置了临时密码。继续之前，请设置只有您知道的新密码。',
    currentPassword: '当前密码',
    newPassword: '新密码',
    repeatPassword: '再次输入新密码',
    mismatch: '两次输入的密码不一致',
    change: '设置并继续',
  },
  {
    title: 'Sign in',
    subtitle: 'Seized property and evidence, from seizure to disposal',
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    required: 'Please fill this in',
    changeTitle: 'Choose a new password',
    changeHint: 'An administrator set a temporary password for you. Choose one only you know before going on.',
    currentPassword: 'Current password',
    newPassword: 'New password',
    repeatPassword: 'New password again',
    mismatch: 'The two passwords differ',
    change: 'Set and continue',
  },
);
