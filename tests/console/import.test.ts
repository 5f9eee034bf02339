import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import type { Locator, Page } from 'playwright-core';
import { as } from '../world';
import { PHONE, button, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(120_000);

const officer = () => as(c.ctx, c.world.people.officer);

async function openCase(caseNumber: string) {
  const res = await officer().post('/cases', { caseNumber, title: '表格导入案', openedOn: '2026-11-20' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const ZH = ['类别', '物品描述', '数量', '单位', '序列号', '扣押时间', '被扣押人'];
const csv = (rows: string[][]) => rows.map((r) => r.map((v) => `"${v.replace(/"/g, '""')}"`).join(',')).join('\r\n');

async function workbook(rows: ExcelJS.CellValue[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('物品');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function download(page: Page, link: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: file.suggestedFilename(), bytes: fs.readFileSync((await file.path())!) };
}

const choose = (dialog: Locator, name: string, mimeType: string, buffer: Buffer) =>
  dialog.locator('input[type="file"]').setInputFiles({ name, mimeType, buffer });

test('an officer downloads the template, sees a bad row named by row and column, then imports a workbook with its progress to the end', async () => {
  const caseId = await openCase('东公刑[2026]950号');
  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.officer, `/cases/${caseId}`);
  await page.getByText('此案件尚未登记财物').waitFor();
  await page.getByRole('button', { name: /从表格导入/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('1. 下载模板').waitFor();
  expect(await button(dialog, '检查').isDisabled()).toBe(true);
  await expectAccessible(page);
  await screenshot(page, 'import');

  // The templates arrive, in the console's language.
  const xlsx = await download(page, dialog.getByRole('link', { name: /下载 Excel 模板/ }));
  expect(xlsx.name).toBe('custody-items-zh.xlsx');
  const template = new ExcelJS.Workbook();
  await template.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
  expect(template.worksheets[0]!.getRow(1).getCell(1).value).toBe('类别');
  const csvTemplate = await download(page, dialog.getByRole('link', { name: /下载 CSV 模板/ }));
  expect(csvTemplate.name).toBe('custody-items-zh.csv');
  expect(csvTemplate.bytes.toString('utf8')).toMatch(/^\uFEFF类别,/);

  // A CSV with an unknown category on its third row (the header is row 1): the check names it and imports nothing.
  const bad = csv([
    ZH,
    ['电子设备', '黑色华为手机一部', '1', '部', 'IMEI 861234567890001', '2026-11-02 09:30', '张某'],
    ['飞船', '不明物体', '1', '个', '', '2026-11-02 09:40', ''],
  ]);
  await choose(dialog, 'items.csv', 'text/csv', Buffer.from(bad));
  await dialog.getByText('items.csv').waitFor();
  await button(dialog, '检查').click();
  const problems = dialog.getByTestId('import-problems');
  await problems.waitFor();
  await dialog.getByText('发现 1 个问题').waitFor();
  const rows = await problems.locator('.ant-table-tbody tr.ant-table-row').allInnerTexts();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatch(/^3\s+类别\s+.*飞船/);
  expect(await button(dialog, '导入').isDisabled()).toBe(true);
  expect((await officer().get(`/items?caseId=${caseId}`)).body.total).toBe(0);
  await expectAccessible(page);
  await screenshot(page, 'import-problems');

  // A good workbook in its place: checked, then imported, the progress bar filling to its end.
  const good = await workbook([
    ZH,
    ['电子设备', '黑色华为手机一部', 1, '部', 'IMEI 861234567890001', new Date(Date.UTC(2026, 10, 2, 1, 30)), '张某'],
    ['现金', '人民币现金，百元券五十张', 50, '张', null, '2026-11-02 09:40', '张某'],
    // The server's Chinese name of the category (its template's list), by which the file names it.
    ['文书资料', '账本一本', 1, '本', null, '2026-11-02 09:45', null],
  ]);
  await choose(dialog, 'items.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', good);
  await dialog.getByText('items.xlsx').waitFor();
  expect(await problems.count()).toBe(0);
  await button(dialog, '检查').click();
  await dialog.getByText('3 行，没有问题，可以导入').waitFor();
  await dialog.getByRole('button', { name: /导入 3 件财物/ }).click();
  await dialog.getByText('已导入 3 件财物').waitFor();
  const bar = dialog.getByTestId('import-progress').getByRole('progressbar');
  expect(await bar.getAttribute('aria-valuenow')).toBe('100');
  await dialog.getByText('正在导入 · 3 / 3 行').waitFor();
  await expectAccessible(page);
  await screenshot(page, 'import-done');

  const listed = await officer().get(`/items?caseId=${caseId}&sort=itemNo&order=asc`);
  expect(listed.body.items.map((i: { description: string }) => i.description)).toEqual([
    '黑色华为手机一部',
    '人民币现金，百元券五十张',
    '账本一本',
  ]);
  // The case page lists them without a reload.
  await button(dialog, '完成').click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByTestId('case-item-row').nth(2).waitFor();
  expect(await page.getByTestId('case-item-row').nth(2).innerText()).toContain('账本一本');
  await page.getByText('共 3 件财物').waitFor();
  // Their dossier, for the court: a zip whose manifest names every item's history, proof and events.
  const dossier = await download(page, page.getByRole('link', { name: /下载卷宗/ }));
  expect(dossier.name).toBe(`dossier-${caseId}.zip`);
  const files = Object.keys(unzipSync(new Uint8Array(dossier.bytes)));
  for (const { code } of listed.body.items as { code: string }[])
    expect(files).toEqual(expect.arrayContaining([`items/${code}/history.pdf`, `items/${code}/proof.json`]));
});

test('in English, the dialog speaks English, downloads the English template and lists problems; at a phone width too', async () => {
  const caseId = await openCase('东公刑[2026]951号');
  for (const size of [undefined, PHONE]) {
    const page = await (await c.context(size)).newPage();
    await signIn(page, c.world.people.officer, `/cases/${caseId}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('button', { name: /Import from a spreadsheet/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('1. Download the template').waitFor();
    const template = await download(page, dialog.getByRole('link', { name: /Download the CSV template/ }));
    expect(template.name).toBe('custody-items-en.csv');
    expect(template.bytes.toString('utf8')).toMatch(/^\uFEFFCategory,/);
    await expectAccessible(page);
    await screenshot(page, 'import-en');

    // A row without its description: named by the row and the column as the file names it.
    await choose(
      dialog,
      'items.csv',
      'text/csv',
      Buffer.from(
        csv([
          ['Category', 'Description', 'Quantity', 'Unit', 'Seized at'],
          ['electronics', '', '1', 'piece', '2026-11-02 09:30'],
        ]),
      ),
    );
    await button(dialog, 'Check').click();
    await dialog.getByText('1 problem found').waitFor();
    const row = await dialog.getByTestId('import-problems').locator('.ant-table-tbody tr.ant-table-row').innerText();
    expect(row).toMatch(/^2\s+Description\s+/);
    await expectAccessible(page);
    await screenshot(page, 'import-problems-en');
    await button(dialog, 'Cancel').click();
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('button', { name: /从表格导入/ }).waitFor();
  }
  expect((await officer().get(`/items?caseId=${caseId}`)).body.total).toBe(0);
});
