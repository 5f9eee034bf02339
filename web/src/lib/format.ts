import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { formatItemCode } from '../../../src/custody/items/item-code-rules';
import type { Lang } from './i18n';

export { formatItemCode };

// Each call names its locale: dayjs's global one is switched in an effect, after the first render in a new
// language, and English must never show Chinese month names in between.
const locale = (lang: Lang) => (lang === 'zh' ? 'zh-cn' : 'en');

/**
 * A time from the server (UTC) in the browser's own time zone; to the second for what happens seconds apart
 * (a webhook's retries).
 */
export function formatTime(iso: string | null | undefined, lang: Lang, { seconds = false } = {}): string {
  if (!iso) return '';
  const time = seconds ? 'HH:mm:ss' : 'HH:mm';
  return dayjs(iso)
    .locale(locale(lang))
    .format(lang === 'zh' ? `YYYY年M月D日 ${time}` : `D MMM YYYY ${time}`);
}

export function formatDate(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '';
  return dayjs(iso)
    .locale(locale(lang))
    .format(lang === 'zh' ? 'YYYY年M月D日' : 'D MMM YYYY');
}
