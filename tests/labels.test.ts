import { MAX_LABELS_PER_REQUEST } from '../src/api/labels.routes';
import { registerItems } from '../src/custody/items/cases';
import { unsafeTextReason } from '../src/custody/unsafe-text';
import { loadCaller } from '../src/custody/directory/caller';
import { checkCharacter, CODE_ALPHABET } from '../src/custody/items/item-code';
import { renderLabels, LABEL_SIZES, type LabelContent } from '../src/reports/labels';
import { renderZpl } from '../src/reports/zpl';
import type { TestContext } from './context';
import { binary, decodeImage, decodePdf, decodePdfGrid, pdfText } from './decode';
import { as, phone, register, setUpWorld, type World } from './world';

const collect = (doc: PDFKit.PDFDocument) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

// Four codes that between them use every character of the alphabet, each with its check character.
const BODIES = ['012345678', '9ABCDEFGH', 'JKMNPQRST', 'VWXYZ0A1B'];
const CODES = BODIES.map((b) => b + checkCharacter(b));

describe('the label renderer', () => {
  test('the codes used below cover the whole alphabet', () => {
    expect(new Set(CODES.join(''))).toEqual(new Set(CODE_ALPHABET));
  });

  test.each(LABEL_SIZES)('at %s both symbols of every label decode to the exact code', async (size) => {
    const labels: LabelContent[] = CODES.map((code) => ({
      code,
      displayCode: code,
      lines: ['案号 X · 第1件', '电子设备 · 手机', '扣押 2026-11-02', '单位 PSB'],
    }));
    const pdf = await collect(renderLabels(labels, size, 'test'));
    const symbols = size === 'a4' ? await decodePdfGrid(pdf, 3, 8) : await decodePdf(pdf);
    expect(
      symbols
        .filter((s) => s.type === 'CODE-128')
        .map((s) => s.data)
        .sort(),
    ).toEqual([...CODES].sort());
    expect(
      symbols
        .filter((s) => s.type === 'QR-Code')
        .map((s) => s.data)
        .sort(),
    ).toEqual([...CODES].sort());
  });

  test('long text is shortened with an ellipsis and never runs past the label', async () => {
    const long = '黑色华为手机一部'.repeat(20);
    const pdf = await collect(
      renderLabels([{ code: CODES[0]!, displayCode: CODES[0]!, lines: [long] }], '2x1in', 'test'),
    );
    const text = await pdfText(pdf);
    expect(text).toContain('…');
    expect(text).not.toContain(long);
  });

  test('ZPL carries the code in a Code 128 and a QR field, with UTF-8 text', () => {
    const zpl = renderZpl([{ code: CODES[1]!, displayCode: 'X', lines: ['电子设备 · 手机'] }], '100x50mm', 2);
    expect(zpl).toMatch(new RegExp(`\\^BCN,\\d+,N,N,N\\^FD${CODES[1]}\\^FS`));
    expect(zpl).toContain(`^FDMA,${CODES[1]}^FS`);
    expect(zpl).toContain('^CI28');
    expect(zpl).toContain('电子设备 · 手机');
    expect(zpl).toContain('^PQ2');
  });
});

describe('label routes', () => {
  let ctx: TestContext;
  let world: World;
  setUpWorld((c, w) => ([ctx, world] = [c, w]));

  const pdf = (req: ReturnType<ReturnType<typeof as>['get']>) => req.buffer(true).parse(binary);

  // Decoding 150 labels with zbarimg is most of its time: on a loaded two-core machine, more than 30 s.
  test('a 50-item case prints as one PDF in each size, and every label decodes to its item code', async () => {
    const codes = await register(
      ctx,
      world,
      Array.from({ length: 50 }, (_, i) => ({ ...phone, description: `物品 ${i + 1}` })),
    );
    for (const size of LABEL_SIZES) {
      const reason = size === '100x50mm' ? '' : '&reason=another%20size';
      const res = await pdf(
        as(ctx, world.people.officer).get(`/cases/${world.caseId}/labels.pdf?size=${size}${reason}`),
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const symbols = size === 'a4' ? await decodePdfGrid(res.body, 3, 8) : await decodePdf(res.body);
      for (const type of ['CODE-128', 'QR-Code']) {
        expect(
          symbols
            .filter((s) => s.type === type)
            .map((s) => s.data)
            .sort(),
        ).toEqual([...codes].sort());
      }
    }
    const text = await pdfText(
      (await pdf(as(ctx, world.people.officer).get(`/labels.pdf?codes=${codes.slice(0, 2).join(',')}&reason=test`)))
        .body,
    );
    expect(text).toContain('物品 1');
    expect(text).toContain('电子设备');
  }, 120_000);

  test('every print is a label_printed event; a reprint needs a reason and says so', async () => {
    const [code] = await register(ctx, world);
    const officer = as(ctx, world.people.officer);
    expect((await pdf(officer.get(`/items/${code}/label.pdf?copies=2`))).status).toBe(200);
    const again = await officer.get(`/items/${code}/label.pdf`);
    expect(again.status).toBe(422);
    expect(again.headers['content-type']).toMatch(/problem\+json/);
    expect(again.body.detail).toMatch(/reprint needs a reason/);
    expect(
      (await pdf(officer.get(`/items/${code}/label.pdf?reason=${encodeURIComponent('标签破损')}&lang=en`))).status,
    ).toBe(200);
    const events = (await officer.get(`/items/${code}/events`)).body.items.filter(
      (e: { type: string }) => e.type === 'label_printed',
    );
    expect(events.map((e: { envelope: { actor: string; payload: object } }) => e.envelope.payload)).toEqual([
      expect.objectContaining({ copies: '2', reprint: false, reason: null, format: 'pdf', size: '100x50mm' }),
      expect.objectContaining({ copies: '1', reprint: true, reason: '标签破损' }),
    ]);
    expect(events[0].envelope.actor).toBe(world.people.officer.user.id);
    expect((await officer.get(`/items/${code}`)).body.labelPrints).toBe(2);
  });

  test('a malformed or unknown code gives a problem, not a broken PDF; inspectors do not print', async () => {
    const [code] = await register(ctx, world);
    // U is never in a code (a random check character could have been any other letter)
    const malformed = await as(ctx, world.people.officer).get(`/items/${code!.slice(0, 9)}U/label.pdf`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toMatch(/contains "U"/);
    const typoCode = code!.slice(0, 9) + (code![9] === '0' ? '1' : '0');
    const typo = await as(ctx, world.people.officer).get(`/items/${typoCode}/label.pdf`);
    expect(typo.status).toBe(400);
    expect(typo.headers['content-type']).toMatch(/problem\+json/);
    expect(typo.body.detail).toMatch(/wrong check character/);
    expect((await as(ctx, world.people.strangerOfficer).get(`/items/${code}/label.pdf`)).status).toBe(404);
    expect((await as(ctx, world.people.inspector).get(`/items/${code}/label.pdf`)).status).toBe(403);
  });

  test('ZPL comes from the same route; A4 has no ZPL', async () => {
    const [code] = await register(ctx, world);
    const zpl = await as(ctx, world.people.officer).get(`/items/${code}/label.pdf?format=zpl&size=2x1in`);
    expect(zpl.status).toBe(200);
    expect(zpl.text).toContain(`^FD${code}^FS`);
    expect(
      (await as(ctx, world.people.officer).get(`/items/${code}/label.pdf?format=zpl&size=a4&reason=x`)).status,
    ).toBe(422);
  });

  test('a single barcode as PNG decodes, and as SVG is an SVG', async () => {
    const [code] = await register(ctx, world);
    for (const symbology of ['code128', 'qrcode']) {
      const png = await pdf(as(ctx, world.people.officer).get(`/items/${code}/barcode.png?symbology=${symbology}`));
      expect(png.headers['content-type']).toBe('image/png');
      expect((await decodeImage(png.body)).map((s) => s.data)).toEqual([code]);
    }
    const svg = await as(ctx, world.people.officer).get(`/items/${code}/barcode.svg`);
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
  });

  test('location labels for a subtree decode to the location codes', async () => {
    const res = await pdf(as(ctx, world.people.warehouse).get(`/locations/${world.loc('LOCKER')}/labels.pdf?size=a4`));
    expect(res.status).toBe(200);
    const decoded = (await decodePdf(res.body))
      .filter((s) => s.type === 'CODE-128')
      .map((s) => s.data)
      .sort();
    expect(decoded).toEqual([world.loc('C1'), world.loc('C2'), world.loc('LOCKER')].sort());
  });

  test('a control or bidirectional character recorded before the input check prints as its code point, in PDF and in ZPL', async () => {
    // Registered below the API, which now refuses such text: as a record made before that check would be.
    const officer = (await loadCaller(ctx.orm.em.fork(), { id: world.people.officer.user.id }))!;
    const [event] = await registerItems(ctx.orm.em.fork(), officer, world.caseId, [
      {
        category: 'electronics',
        description: '\u202Egpj\u0007',
        quantity: '1',
        unit: '部',
        seizedAt: '2026-11-02T08:00:00.000Z',
      },
    ]);
    const code = event!.envelope.payload.code as string;
    const text = await pdfText((await pdf(as(ctx, world.people.officer).get(`/items/${code}/label.pdf`))).body);
    expect(text).toContain('[U+202E]gpj[U+0007]');
    const zpl = await as(ctx, world.people.officer).get(`/items/${code}/label.pdf?format=zpl&reason=zpl`);
    expect(zpl.text).toContain('[U+202E]gpj[U+0007]');
    expect(unsafeTextReason(zpl.text.replace(/\n/g, ''))).toBeNull();
  });

  test(`one request prints at most ${MAX_LABELS_PER_REQUEST} labels, copies included: more is a clear problem and records no print`, async () => {
    const codes = await register(
      ctx,
      world,
      Array.from({ length: 101 }, (_, i) => ({ ...phone, description: `批量 ${i + 1}` })),
    );
    const officer = as(ctx, world.people.officer);
    const refused = await officer.get(`/labels.pdf?codes=${codes.join(',')}&copies=10`);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.body.detail).toBe(
      `this would print 1010 labels (101 × 10 copies); at most ${MAX_LABELS_PER_REQUEST} are printed at a time: print them in parts`,
    );
    for (const code of codes) expect((await officer.get(`/items/${code}`)).body.labelPrints).toBe(0);
    expect((await pdf(officer.get(`/labels.pdf?codes=${codes.slice(0, 100).join(',')}&copies=10`))).status).toBe(200);
  });
});
