import ExcelJS from 'exceljs';
import { CATEGORIES } from '../../custody/items/item-kinds';
import { categoryName, type Lang } from '../../reports/i18n';
import { COLUMNS, header } from './columns';

/** The import's template as CSV: the header row in one language, UTF-8 with a BOM so that Excel reads it so. */
export function csvTemplate(lang: Lang): Buffer {
  return Buffer.from(`\uFEFF${COLUMNS.map((c) => header(c, lang)).join(',')}\r\n`, 'utf8');
}

/**
 * The template as a workbook: the items' sheet with its header row (the only sheet read), then the
 * categories and what each column takes, to read while filling it in.
 */
export async function xlsxTemplate(lang: Lang): Promise<Buffer> {
  const zh = lang === 'zh';
  const workbook = new ExcelJS.Workbook();
  const items = workbook.addWorksheet(zh ? '物品' : 'Items');
  items.columns = COLUMNS.map((c) => ({ header: header(c, lang), width: c.field === 'description' ? 40 : 16 }));
  items.getRow(1).font = { bold: true };
  items.views = [{ state: 'frozen', ySplit: 1 }];
  const categories = workbook.addWorksheet(zh ? '类别' : 'Categories');
  categories.columns = [
    { header: zh ? '类别' : 'Category', width: 18 },
    { header: zh ? '英文' : 'Chinese', width: 18 },
    { header: zh ? '代码' : 'Code', width: 14 },
  ];
  for (const c of CATEGORIES) categories.addRow([categoryName(c, lang), categoryName(c, zh ? 'en' : 'zh'), c]);
  const notes = workbook.addWorksheet(zh ? '说明' : 'Notes');
  notes.columns = [
    { header: zh ? '列' : 'Column', width: 16 },
    { header: zh ? '必填' : 'Required', width: 8 },
    { header: zh ? '说明' : 'Notes', width: 40 },
  ];
  for (const c of COLUMNS) notes.addRow([header(c, lang), c.required ? (zh ? '是' : 'yes') : '', c.hint[zh ? 0 : 1]]);
  for (const sheet of [categories, notes]) sheet.getRow(1).font = { bold: true };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
