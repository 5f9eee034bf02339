import { CATEGORIES, type Category } from '../../custody/items/item-kinds';
import { categoryName, type Lang } from '../../reports/i18n';

/** A column of the import's sheet: the item's field it fills, its header in each language, and what it takes. */
export interface Column {
  field: string;
  zh: string;
  en: string;
  required: boolean;
  hint: [zh: string, en: string];
}

export const COLUMNS: Column[] = [
  { field: 'category', zh: '类别', en: 'Category', required: true, hint: ['见"类别"页', 'see the Categories sheet'] },
  {
    field: 'description',
    zh: '物品描述',
    en: 'Description',
    required: true,
    hint: ['最多 2000 字', 'up to 2,000 characters'],
  },
  { field: 'quantity', zh: '数量', en: 'Quantity', required: true, hint: ['大于零', 'greater than zero'] },
  { field: 'unit', zh: '单位', en: 'Unit', required: true, hint: ['如 部、件、克', 'e.g. 部, 件, g'] },
  { field: 'weightGrams', zh: '重量(克)', en: 'Weight (g)', required: false, hint: ['', ''] },
  { field: 'amount', zh: '金额', en: 'Amount', required: false, hint: ['', ''] },
  { field: 'currency', zh: '币种', en: 'Currency', required: false, hint: ['如 CNY', 'e.g. CNY'] },
  {
    field: 'serialNumber',
    zh: '序列号',
    en: 'Serial number',
    required: false,
    hint: ['同一案件中不重复', 'unique within the case'],
  },
  { field: 'sealNumber', zh: '封签号', en: 'Seal number', required: false, hint: ['', ''] },
  {
    field: 'seizedAt',
    zh: '扣押时间',
    en: 'Seized at',
    required: true,
    hint: ['如 2026-11-02 09:30', 'e.g. 2026-11-02 09:30'],
  },
  { field: 'seizedFrom', zh: '被扣押人', en: 'Seized from', required: false, hint: ['', ''] },
  { field: 'seizedPlace', zh: '扣押地点', en: 'Seized at place', required: false, hint: ['', ''] },
];

/** A column by its header, in either language, as people type it (case and spaces aside). */
const byHeader = new Map(
  COLUMNS.flatMap((c) => [c.zh, c.en, c.field].map((h) => [h.replace(/\s+/g, '').toLowerCase(), c] as const)),
);
export const columnOf = (header: string): Column | undefined => byHeader.get(header.replace(/\s+/g, '').toLowerCase());

/** Other names a sheet may use: the reports' name of documents until 2026-12. */
const ALSO: [string, Category][] = [['文书资料', 'document']];

/** A category by its code, its name in either language, or a name it had. */
const categories = new Map<string, Category>([
  ...CATEGORIES.flatMap((c) =>
    [c, categoryName(c, 'zh'), categoryName(c, 'en')].map((n) => [n.toLowerCase(), c] as const),
  ),
  ...ALSO,
]);
export const categoryOf = (text: string): Category | undefined => categories.get(text.trim().toLowerCase());

export const header = (column: Column, lang: Lang) => (lang === 'zh' ? column.zh : column.en);
