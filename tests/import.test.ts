import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import type { TestContext } from './context';
import { ROOT } from './server-process';
import { as, setUpWorld, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ((ctx = c), (world = w)));

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ZH = ['类别', '物品描述', '数量', '单位', '序列号', '扣押时间', '被扣押人'];
const EN = ['Category', 'Description', 'Quantity', 'Unit', 'Serial number', 'Seized at', 'Seized from'];

const send = (body: Buffer | string, type: string, query = '') =>
  as(ctx, world.people.officer).upload(`/cases/${world.caseId}/items/import${query}`, type, body);

async function workbook(rows: ExcelJS.CellValue[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('物品');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const csv = (rows: string[][]) => rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n');

const countItems = async () =>
  (
    await ctx.orm.em
      .fork()
      .execute<{ n: number }[]>('select count(*)::int as n from items where case_id = ?', [world.caseId])
  )[0]!.n;
const ledgerSize = async () =>
  Number((await ctx.orm.em.fork().execute<{ size: string }[]>('select size::text from ledger_head'))[0]!.size);

describe('an import of items', () => {
  test('from a workbook with Chinese headers registers every row, dates read in the time zone asked', async () => {
    const before = await countItems();
    const file = await workbook([
      ZH,
      ['电子设备', '黑色华为手机一部', 1, '部', 'IMEI 861234567890001', new Date(Date.UTC(2026, 10, 2, 9, 30)), '张某'],
      ['现金', '人民币现金', '12000.50', '元', null, '2026-11-02 10:15', null],
      ['vehicle', '白色轿车', 1, '辆', 'VIN LSVAA4182E2000001', '2026-11-03T08:00:00+08:00', '李某'],
    ]);
    const res = await send(file, XLSX);
    expect(res.status).toBe(201);
    expect(res.body.imported).toBe(3);
    expect(await countItems()).toBe(before + 3);
    const first = await as(ctx, world.people.officer).get(`/items/${res.body.items[0].code}`);
    expect(first.body).toMatchObject({
      category: 'electronics',
      description: '黑色华为手机一部',
      serialNumber: 'IMEI 861234567890001',
      seizedAt: '2026-11-02T01:30:00.000Z',
      seizedFrom: '张某',
    });
    const cash = await as(ctx, world.people.officer).get(`/items/${res.body.items[1].code}`);
    expect(cash.body).toMatchObject({ category: 'cash', quantity: '12000.5', seizedAt: '2026-11-02T02:15:00.000Z' });
    const other = await send(
      await workbook([EN, ['Document', '账本', 2, '本', null, '2026-11-02 10:15', null]]),
      XLSX,
      '?timeZone=Europe/Berlin',
    );
    const book = await as(ctx, world.people.officer).get(`/items/${other.body.items[0].code}`);
    expect(book.body.seizedAt).toBe('2026-11-02T09:15:00.000Z');
    // Each is registered as one typed in would be: its own first ledger event, by the officer.
    const events = await as(ctx, world.people.officer).get(`/items/${res.body.items[2].code}/events`);
    expect(events.body.items[0].envelope).toMatchObject({ type: 'registered', actor: world.people.officer.user.id });
  });

  test('from CSV with English headers, saved in GB18030 as Excel in Chinese saves it', async () => {
    // The reports' old name of documents, still read.
    const text = csv([EN, ['文书资料', '询问笔录', '1', '份', '', '2026-11-04 14:00', '王某']]);
    const res = await send(Buffer.from(new TextEncoder().encode(text)), 'text/csv');
    expect(res.status).toBe(201);
    const gbk = Buffer.from([
      ...Buffer.from('Category,Description,Quantity,Unit,Seized at\r\n'),
      // 其他,手机 in GB18030: 其 C6E4 他 CBFB , 手 CAD6 机 BBFA
      ...[0xc6, 0xe4, 0xcb, 0xfb],
      ...Buffer.from(','),
      ...[0xca, 0xd6, 0xbb, 0xfa],
      ...Buffer.from(',1,部'.replace('部', '')),
      ...[0xb2, 0xbf],
      ...Buffer.from(',2026-11-04 14:00\r\n'),
    ]);
    const fromGbk = await send(gbk, 'text/csv');
    expect(fromGbk.status).toBe(201);
    const item = await as(ctx, world.people.officer).get(`/items/${fromGbk.body.items[0].code}`);
    expect(item.body).toMatchObject({ category: 'other', description: '手机', unit: '部' });
  });

  test('checked by a dry run answers every problem by row and column, and imports nothing', async () => {
    const [taken] = (
      await send(await workbook([ZH, ['其他', '已登记的手机', 1, '部', 'SN-TAKEN', '2026-11-01 08:00', null]]), XLSX)
    ).body.items;
    expect(taken).toBeDefined();
    const before = [await countItems(), await ledgerSize()];
    const file = await workbook([
      ZH,
      ['电子设备', '手机', 1, '部', 'SN-1', '2026-11-02 09:30', null],
      ['飞船', '不明物体', 1, '个', null, '2026-11-02 09:30', null],
      ['电子设备', '', 1, '部', null, '2026-11-02 09:30', null],
      ['电子设备', '平板', 1, '部', null, '昨天下午', null],
      ['电子设备', '手机', 1, '部', 'SN-1', '2026-11-02 09:30', null],
      ['电子设备', '手机', 0, '部', 'SN-TAKEN', '2026-11-02 09:30', null],
      ['电子设备', '手机', { formula: 'A1*2', result: 2 }, '部', null, '2026-11-02 09:30', null],
    ]);
    const res = await send(file, XLSX, '?dryRun=true');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dryRun: true,
      rows: 7,
      problems: [
        { row: 3, column: '类别', detail: "飞船 is not a category (see the template's list)" },
        { row: 4, column: '物品描述', detail: 'is missing' },
        { row: 5, column: '扣押时间', detail: '昨天下午 is not a date and time such as 2026-11-02 09:30' },
        { row: 6, column: '序列号', detail: 'SN-1 is also in row 2' },
        { row: 7, column: '数量', detail: 'must be greater than zero' },
        { row: 7, column: '序列号', detail: `SN-TAKEN is already item ${taken.code}'s in this case` },
        { row: 8, column: '数量', detail: 'a formula (=A1*2) is not read: type the value itself' },
      ],
    });
    expect([await countItems(), await ledgerSize()]).toEqual(before);
    // The same file for real: every problem, and still nothing.
    const real = await send(file, XLSX);
    expect(real.status).toBe(422);
    expect(real.body.detail).toMatch(/^nothing was imported: 7 problems: row 3, 类别: 飞船 is not a category/);
    expect(real.body.problems).toHaveLength(7);
    expect([await countItems(), await ledgerSize()]).toEqual(before);
  });

  test('of several hundred rows goes in chunks, all in one transaction, numbered in order', async () => {
    const rows = Array.from({ length: 620 }, (_, i) => [
      '其他',
      `证物 ${i + 1}`,
      '1',
      '件',
      `BULK-${i}`,
      '2026-11-05 09:00',
      '',
    ]);
    const before = await countItems();
    const res = await send(csv([ZH, ...rows]), 'text/csv');
    expect(res.status).toBe(201);
    expect(res.body.imported).toBe(620);
    const numbers = res.body.items.map((i: { itemNo: number }) => i.itemNo);
    expect(numbers).toEqual(Array.from({ length: 620 }, (_, i) => numbers[0] + i));
    expect(await countItems()).toBe(before + 620);
  });

  test('tells its progress as events when asked, then its result', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ['其他', `流 ${i}`, '1', '件', '', '2026-11-05 09:00', '']);
    const res = await as(ctx, world.people.officer)
      .upload(`/cases/${world.caseId}/items/import`, 'text/csv', csv([ZH, ...rows]))
      .set('Accept', 'text/event-stream');
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events = res.text
      .trim()
      .split('\n\n')
      .map((block) => ({
        event: block.match(/^event: (.*)$/m)![1],
        data: JSON.parse(block.match(/^data: (.*)$/m)![1]!),
      }));
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['progress', 'result']));
    expect(events.at(-1)).toEqual({ event: 'result', data: expect.objectContaining({ imported: 30 }) });
    expect(events.filter((e) => e.event === 'progress').at(-1)!.data).toEqual({
      phase: 'importing',
      done: 30,
      total: 30,
    });
  });

  test('refused once streaming has begun comes as a problem event, nothing imported', async () => {
    const opened = await as(ctx, world.people.officer).post('/cases', {
      caseNumber: `CLOSED-${world.loc('X')}`,
      title: '已结案件',
      openedOn: '2026-11-01',
    });
    await ctx.orm.em.fork().execute(`update cases set status = 'closed' where id = ?`, [opened.body.id]);
    const res = await as(ctx, world.people.officer)
      .upload(
        `/cases/${opened.body.id}/items/import`,
        'text/csv',
        csv([ZH, ['其他', '手机', '1', '部', '', '2026-11-02 09:30', '']]),
      )
      .set('Accept', 'text/event-stream');
    const last = res.text.trim().split('\n\n').at(-1)!;
    expect(last).toMatch(/^event: problem$/m);
    expect(JSON.parse(last.match(/^data: (.*)$/m)![1]!).detail).toMatch(/is closed/);
    const [count] = await ctx.orm.em
      .fork()
      .execute<{ n: number }[]>('select count(*)::int as n from items where case_id = ?', [opened.body.id]);
    expect(count!.n).toBe(0);
  });

  test('is only into a case of the caller’s agency', async () => {
    const res = await as(ctx, world.people.strangerOfficer).upload(
      `/cases/${world.caseId}/items/import`,
      'text/csv',
      csv([ZH, ['其他', '手机', '1', '部', '', '2026-11-02 09:30', '']]),
    );
    expect(res.status).toBe(404);
    expect(
      (await as(ctx, world.people.warehouse).upload(`/cases/${world.caseId}/items/import`, 'text/csv', 'x')).status,
    ).toBe(403);
  });
});

describe('a hostile file', () => {
  const refused = async (body: Buffer | string, type: string, detail: RegExp, status = 422) => {
    const before = [await countItems(), await ledgerSize()];
    const res = await send(body, type);
    expect({ status: res.status, detail: res.body.detail }).toEqual({ status, detail: expect.stringMatching(detail) });
    expect([await countItems(), await ledgerSize()]).toEqual(before);
  };

  test('that is not a spreadsheet is refused, nothing imported', async () => {
    await refused(Buffer.from('%PDF-1.7 not a workbook'), XLSX, /not an XLSX workbook/);
    await refused(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), 'text/csv', /not a CSV text/);
    await refused('category,description', 'application/json', /this route takes text\/csv or/, 415);
  });

  test('larger than the body’s limit is told the limit', async () => {
    await refused(Buffer.alloc(21 * 2 ** 20, 0x41), 'text/csv', /larger than allowed \(20971520 bytes\)/, 413);
  });

  test('that is a zip bomb is refused from its directory, before it is unpacked', async () => {
    const bomb = zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(200 * 2 ** 20) }, { level: 9 });
    expect(bomb.length).toBeLessThan(2 ** 20);
    await refused(Buffer.from(bomb), XLSX, /zip bomb/);
  });

  test('of a million rows, or with a cell of ten megabytes, is refused', async () => {
    await refused(
      // Twenty bytes a row: within the body's limit (20 MiB), so refused for its rows.
      `${ZH.join(',')}\n${'其他,手机,1,部\n'.repeat(1_000_000)}`,
      'text/csv',
      /more than 10,000 rows/,
    );
    await refused(
      `${ZH.join(',')}\n其他,${'手'.repeat((10 * 2 ** 20) / 3)},1,部,,2026-11-02 09:30,\n`,
      'text/csv',
      /not a CSV table/,
    );
    const wide = await workbook([ZH, ['其他', 'x'.repeat(40_000), 1, '部', null, '2026-11-02 09:30', null]]);
    await refused(wide, XLSX, /holds 40,000 characters; a cell holds at most 32,767/);
  });
});

describe('the template', () => {
  test('comes as CSV and as a workbook, in Chinese and English, and imports as it is once filled in', async () => {
    const zh = await as(ctx, world.people.officer).get('/items/import-template.csv?lang=zh');
    expect(zh.status).toBe(200);
    expect(zh.text.replace(/^\uFEFF/, '').trim()).toBe(
      '类别,物品描述,数量,单位,重量(克),金额,币种,序列号,封签号,扣押时间,被扣押人,扣押地点',
    );
    const xlsx = await as(ctx, world.people.officer)
      .get('/items/import-template.xlsx?lang=en')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Buffer as unknown as ArrayBuffer);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Items', 'Categories', 'Notes']);
    const items = wb.worksheets[0]!;
    expect((items.getRow(1).values as string[]).slice(1, 4)).toEqual(['Category', 'Description', 'Quantity']);
    items.addRow(['Electronics', 'Laptop', 1, 'pc', null, null, null, 'SN-TEMPLATE', null, '2026-11-06 10:00']);
    const filled = Buffer.from(await wb.xlsx.writeBuffer());
    expect((await send(filled, XLSX)).status).toBe(201);
  });
});

describe('npm run import', () => {
  test('imports a file with a progress bar, and prints a dry run’s problems with exit code 1', async () => {
    const server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-import-'));
    const run = (file: string, ...more: string[]) =>
      promisify(execFile)(
        path.join(ROOT, 'node_modules', '.bin', 'tsx'),
        [
          'src/cli/import.ts',
          file,
          '--case',
          world.caseId,
          '--server',
          url,
          '--token',
          world.people.officer.token,
          ...more,
        ],
        { cwd: ROOT },
      ).then(
        (out) => ({ code: 0, ...out }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
    try {
      const good = path.join(dir, 'items.xlsx');
      fs.writeFileSync(good, await workbook([ZH, ['其他', '命令行导入', 1, '件', null, '2026-11-07 09:00', null]]));
      const imported = await run(good);
      expect(imported.code).toBe(0);
      expect(imported.stdout).toBe('1 items imported\n');
      expect(imported.stderr).toMatch(/importing +\[#+\] 1 \/ 1/);
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, csv([ZH, ['飞船', '不明物体', '1', '个', '', '2026-11-02 09:30', '']]));
      const checked = await run(bad, '--dry-run');
      expect(checked.code).toBe(1);
      expect(checked.stdout).toContain('row 2, 类别: 飞船 is not a category');
      expect((await run(path.join(dir, 'items.pdf'))).code).toBe(2);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
