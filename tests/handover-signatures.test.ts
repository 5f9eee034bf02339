import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { makePng } from './attachment-fixtures';
import { createTestContext, serverErrors, type TestContext } from './context';
import { binary, pdfText } from './decode';
import { as, buildWorld, credentialsOf, register, type World } from './world';

const run = promisify(execFile);

let ctx: TestContext;
let world: World;
beforeAll(async () => {
  ctx = await createTestContext({ CUSTODY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'custody-signatures-')) });
  world = await buildWorld(ctx);
});
afterAll(async () => {
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
  fs.rmSync(ctx.config.dataDir, { recursive: true, force: true });
});

/** A grey-scale PNG of a pen stroke (a wave of `turns` periods) on white, as a pad would give. */
function strokePng(turns: number, width = 360, height = 120): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width, 255);
    row[0] = 0;
    for (let x = 0; x < width; x++) {
      const curve = height / 2 + (height / 3) * Math.sin((x / width) * turns * 2 * Math.PI);
      if (Math.abs(y - curve) < 3) row[1 + x] = 20;
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
const download = (req: ReturnType<ReturnType<typeof as>['get']>) => req.buffer(true).parse(binary);

async function ledgerSize(): Promise<number> {
  const [row] = await ctx.orm.em.fork().execute<{ size: string }[]>('select size from ledger_head');
  return Number(row!.size);
}
async function signatureRows(): Promise<number> {
  const [row] = await ctx.orm.em
    .fork()
    .execute<{ n: string }[]>(`select count(*) as n from attachments where kind = 'signature'`);
  return Number(row!.n);
}

const items = [
  { category: 'electronics', description: '手机一部', quantity: 1, unit: '部', seizedAt: '2026-11-02T10:00:00+08:00' },
  { category: 'document', description: '账本两册', quantity: 2, unit: '册', seizedAt: '2026-11-02T10:00:00+08:00' },
];

test('both signatures are stored as attachments, their SHA-256 in every item’s hand-over event, and printed on the receipt', async () => {
  const codes = await register(ctx, world, items);
  const officerPng = strokePng(2);
  const warehousePng = strokePng(3);
  const warehouse = as(ctx, world.people.warehouse);
  const res = await warehouse.post('/handovers', {
    itemCodes: codes,
    handedOverBy: credentialsOf(world.people.officer),
    // One as a canvas gives it (a data: URL), one as plain base64.
    signatures: { handedOverBy: dataUrl(officerPng), receivedBy: warehousePng.toString('base64') },
  });
  expect(res.status).toBe(201);
  expect(res.body.signatures.handedOverBy.sha256).toBe(sha256(officerPng));
  expect(res.body.signatures.receivedBy.sha256).toBe(sha256(warehousePng));

  for (const code of codes) {
    const events = await warehouse.get(`/items/${code}/events`);
    const handover = events.body.items.find((e: { type: string }) => e.type === 'handover');
    const given = handover.envelope.payload.signatures;
    expect(given.handedOverBy.sha256).toBe(sha256(officerPng));
    expect(given.receivedBy.sha256).toBe(sha256(warehousePng));
    // Each item has its own attachment row for the signature, read back with the hash checked.
    const stored = await download(warehouse.get(`/items/${code}/attachments/${given.handedOverBy.attachmentId}`));
    expect(stored.status).toBe(200);
    expect(stored.headers['x-content-sha256']).toBe(sha256(officerPng));
    expect(Buffer.compare(stored.body, officerPng)).toBe(0);
  }

  const receipt = await download(as(ctx, world.people.officer).get(`/handovers/${res.body.id}/receipt.pdf`));
  expect(receipt.status).toBe(200);
  const text = await pdfText(receipt.body);
  for (const expected of [
    // Both people named (every test user has the same display name: their agencies tell them apart).
    `移交人: ${world.people.officer.user.displayName} (${world.agencies.police.code})`,
    `接收人: ${world.people.warehouse.user.displayName} (${world.agencies.centre.code})`,
    `SHA-256 ${sha256(officerPng)}`,
    `SHA-256 ${sha256(warehousePng)}`,
  ])
    expect(text).toContain(expected);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-receipt-'));
  try {
    fs.writeFileSync(path.join(dir, 'receipt.pdf'), receipt.body);
    const { stdout } = await run('pdfimages', ['-list', path.join(dir, 'receipt.pdf')]);
    // Both drawn signatures, at the size they were given.
    expect(stdout.match(/ 360 +120 /g)).toHaveLength(2);
    if (process.env.CUSTODY_KEEP_RECEIPT)
      fs.copyFileSync(path.join(dir, 'receipt.pdf'), process.env.CUSTODY_KEEP_RECEIPT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('one signature alone is fine; nobody signing leaves the event as it was', async () => {
  const warehouse = as(ctx, world.people.warehouse);
  const [signed] = await register(ctx, world, [items[0]!]);
  const officerOnly = await warehouse.post('/handovers', {
    itemCodes: [signed],
    handedOverBy: credentialsOf(world.people.officer),
    signatures: { handedOverBy: dataUrl(strokePng(1)) },
  });
  expect(officerOnly.status).toBe(201);
  expect(officerOnly.body.signatures.receivedBy).toBeNull();

  const [unsigned] = await register(ctx, world, [items[0]!]);
  const res = await warehouse.post('/handovers', {
    itemCodes: [unsigned],
    handedOverBy: credentialsOf(world.people.officer),
  });
  expect(res.status).toBe(201);
  expect(res.body.signatures).toEqual({ handedOverBy: null, receivedBy: null });
  const events = await warehouse.get(`/items/${unsigned}/events`);
  const handover = events.body.items.find((e: { type: string }) => e.type === 'handover');
  expect(Object.keys(handover.envelope.payload)).not.toContain('signatures');
});

describe('a refused hand-over changes nothing and appends nothing', () => {
  const cases: [string, () => object, number, RegExp][] = [
    [
      'a signature that is no PNG',
      () => ({ handedOverBy: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64') }),
      422,
      /handing officer's signature is not a PNG: no PNG signature/,
    ],
    [
      'a PNG whose data does not fit its header',
      () => ({ receivedBy: dataUrl(makePng(40, 20, { raw: Buffer.alloc(10) })) }),
      422,
      /receiving user's signature is not a PNG: the image data inflates to 10 bytes/,
    ],
    ['text that is not base64', () => ({ handedOverBy: 'not a picture' }), 400, /must be a PNG in base64/],
    [
      'a signature larger than the limit',
      () => ({ handedOverBy: Buffer.alloc(300 * 1024, 1).toString('base64') }),
      400,
      /must be a PNG of at most 256 KiB/,
    ],
    ['a third signer', () => ({ witness: dataUrl(strokePng(1)) }), 400, /witness/],
  ];
  test.each(cases)('%s', async (_name, signatures, status, detail) => {
    const [code] = await register(ctx, world, [items[0]!]);
    const [size, rows] = [await ledgerSize(), await signatureRows()];
    const res = await as(ctx, world.people.warehouse).post('/handovers', {
      itemCodes: [code],
      handedOverBy: credentialsOf(world.people.officer),
      signatures: signatures(),
    });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(detail);
    expect((await as(ctx, world.people.officer).get(`/items/${code}`)).body.state).toBe('registered');
    expect([await ledgerSize(), await signatureRows()]).toEqual([size, rows]);
  });

  test('a wrong officer password, with both signatures given', async () => {
    const [code] = await register(ctx, world, [items[0]!]);
    const [size, rows] = [await ledgerSize(), await signatureRows()];
    const res = await as(ctx, world.people.warehouse).post('/handovers', {
      itemCodes: [code],
      handedOverBy: { username: world.people.officer.user.username, password: 'not-the-password' },
      signatures: { handedOverBy: dataUrl(strokePng(2)), receivedBy: dataUrl(strokePng(3)) },
    });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/handing officer's username or password is wrong/);
    expect((await as(ctx, world.people.officer).get(`/items/${code}`)).body.state).toBe('registered');
    expect([await ledgerSize(), await signatureRows()]).toEqual([size, rows]);
  });

  test('an item not in a state to hand over, with both signatures given', async () => {
    const [code] = await register(ctx, world, [items[0]!]);
    const warehouse = as(ctx, world.people.warehouse);
    const body = {
      itemCodes: [code],
      handedOverBy: credentialsOf(world.people.officer),
      signatures: { handedOverBy: dataUrl(strokePng(2)) },
    };
    expect((await warehouse.post('/handovers', body)).status).toBe(201);
    const [size, rows] = [await ledgerSize(), await signatureRows()];
    const again = await warehouse.post('/handovers', body);
    expect(again.status).toBe(409);
    expect([await ledgerSize(), await signatureRows()]).toEqual([size, rows]);
  });
});
