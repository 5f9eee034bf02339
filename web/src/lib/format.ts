import dayjs from 'dayjs';
import { formatItemCode } from '../../../src/custody/items/item-code-rules';
import type { Lang } from './i18n';

export { formatItemCode };

/** A time from the server (UTC) in the browser's own time zone. */
export function formatTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '';
  return dayjs(iso).format(lang === 'zh' ? 'YYYY年M月D日 HH:mm' : 'D MMM YYYY HH:mm');
}

export function formatDate(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '';
  return dayjs(iso).format(lang === 'zh' ? 'YYYY年M月D日' : 'D MMM YYYY');
}
