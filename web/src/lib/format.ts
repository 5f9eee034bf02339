import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { formatItemCode } from '../../../src/custody/items/item-code-rules';
import type { Lang } from './i18n';

export { formatItemCode };

// Each call names its locale: dayjs's global one is switched in an effect, after the first render in a new
// language, and English must never show Chinese month names in between.
const locale = (lang: Lang) => (lang === 'zh' ? 'zh-cn' : 'en');

/** A time from the server (UTC) in the browser's own time zone. */
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
