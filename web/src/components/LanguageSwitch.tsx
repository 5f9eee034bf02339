import { Segmented } from 'antd';
import { useLang, useWords, type Lang } from '../lib/i18n';
import { common } from '../lib/words';

export function LanguageSwitch({ dark }: { dark?: boolean }) {
  const { lang, setLang } = useLang();
  const w = useWords(common);
  return (
    <Segmented<Lang>
      aria-label={w.language}
      size="small"
      value={lang}
      onChange={setLang}
      options={[
        { value: 'zh', label: <span lang="zh-CN">中文</span> },
        { value: 'en', label: <span lang="en">English</span> },
      ]}
      style={dark ? { background: 'rgba(255,255,255,0.85)' } : undefined}
    />
  );
}
