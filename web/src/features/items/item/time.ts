import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import type { Lang } from '../../../lib/i18n';

// lib/format.ts formats in dayjs's global locale, which App sets in an effect only after the first render in
// the new language; these name the locale themselves so that English never shows Chinese month names.
const locale = (lang: Lang) => (lang === 'zh' ? 'zh-cn' : 'en');

export function formatTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '';
  return dayjs(iso)
    .locale(locale(lang))
    .format(lang === 'zh' ? 'YYYY年M月D日 HH:mm' : 'D MMM YYYY HH:mm');
}

export function formatDate(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '';
  return dayjs(iso)
    .locale(locale(lang))
    .format(lang === 'zh' ? 'YYYY年M月D日' : 'D MMM YYYY');
}
