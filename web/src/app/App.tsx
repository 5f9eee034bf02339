import { QueryClientProvider } from '@tanstack/react-query';
import { ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect } from 'react';
import { RouterProvider } from 'react-router';
import { LangProvider, useLang, type Lang } from '../lib/i18n';
import { queryClient } from '../lib/query';
import { keepLanguage, prefetchMe } from '../lib/session';
import { router } from './routes';

function Localized() {
  const { lang } = useLang();
  useEffect(() => {
    dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  return (
    <ConfigProvider
      locale={lang === 'zh' ? zhCN : enUS}
      theme={{
        // One version of Ant Design and one theme on the page: its class names need no hash to stay apart.
        hashed: false,
        // Ant Design's lighter greys, its link blue, its error red and its success green fall below WCAG AA
        // contrast on white; these keep its look and pass.
        token: {
          colorPrimary: '#1f4e79',
          colorLink: '#1f4e79',
          colorError: '#c0161f',
          colorSuccess: '#237804',
          // Derived from that green, the success background came out grey: Ant Design's own light green instead.
          colorSuccessBg: '#f6ffed',
          colorSuccessBorder: '#b7eb8f',
          borderRadius: 4,
          // A button's loading icon that left before it had grown never finished its leaving transition (no
          // transitionend from width 0 to 0), and its name stayed in the button's; a counter PC gains nothing
          // from animations either.
          motion: false,
          colorTextDescription: 'rgba(0, 0, 0, 0.62)',
          colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
          colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
        },
      }}
    >
      <RouterProvider router={router} />
    </ConfigProvider>
  );
}

if (!window.location.pathname.startsWith('/sign-in')) prefetchMe(queryClient);

const keepChoice = (lang: Lang) => keepLanguage(queryClient, lang);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <LangProvider onChoose={keepChoice}>
        <Localized />
      </LangProvider>
    </QueryClientProvider>
  );
}
