import type { Category } from '../custody/item.entity';

export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const CATEGORY_NAMES: Record<Category, [zh: string, en: string]> = {
  cash: ['现金', 'Cash'],
  drugs: ['毒品', 'Drugs'],
  firearm: ['枪支', 'Firearm'],
  weapon: ['管制器具', 'Weapon'],
  valuables: ['贵重物品', 'Valuables'],
  electronics: ['电子设备', 'Electronics'],
  vehicle: ['车辆', 'Vehicle'],
  document: ['文书资料', 'Document'],
  biological: ['生物样本', 'Biological sample'],
  hazardous: ['危险品', 'Hazardous'],
  other: ['其他', 'Other'],
};

export const categoryName = (category: Category, lang: Lang) => CATEGORY_NAMES[category][lang === 'zh' ? 0 : 1];

const WORDS = {
  case: ['案号', 'Case'],
  item: ['第{n}件', 'item {n}'],
  seized: ['扣押', 'Seized'],
  agency: ['单位', 'Agency'],
  seal: ['封签', 'Seal'],
  none: ['无', 'none'],
  location: ['位置', 'Location'],
} as const;

export function word(key: keyof typeof WORDS, lang: Lang, n?: number | string): string {
  const text: string = WORDS[key][lang === 'zh' ? 0 : 1];
  return n === undefined ? text : text.replace('{n}', String(n));
}
