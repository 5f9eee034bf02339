import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { verifyBundle, type ProofBundle } from '../src/verifier/verify-bundle';
import { verifyDossier, type DossierManifest } from '../src/verifier/verify-dossier';
import { ED25519, formatVerifierKey, generateSignerKey, parseSignerKey } from '../src/custody/ledger/note';
import { leafHash } from '../src/custody/ledger/merkle';
import { loadCaller } from '../src/custody/directory/caller';
import { searchItems } from '../src/custody/items/item-queries';
import { caseDossier, writeDossier } from '../src/reports/dossier';
import { reportFrame } from '../src/reports/report-access';
import { createTestContext, serverErrors, type TestContext } from './context';
import { binary, pdfText } from './decode';
import { as, buildWorld, received, register, stored, type World } from './world';

const run = promisify(execFile);
const root = path.join(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

let ctx: TestContext;
let world: World;
let dir: string;
let codes: string[];
let transferred: string;
let logKey: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-dossier-'));
  ctx = await createTestContext({ CUSTODY_DATA_DIR: dir });
  world = await buildWorld(ctx);
  logKey = formatVerifierKey(ctx.ledger.signer);
  // Items at each stage: stored (registered, handed over, checked in), received, only registered.
  codes = [...(await stored(ctx, world)), ...(await stored(ctx, world)), ...(await received(ctx, world))];
  codes.push(...(await register(ctx, world)));
  // One item transferred to the procuratorate, whose clerk then sees the case and that item only.
  transferred = codes[0]!;
  const request = await as(ctx, world.people.officer).post('/requests', {
    kind: 'transfer',
    itemCodes: [transferred],
    reason: '移送审查起诉',
    toAgencyCode: world.agencies.procuratorate.code,
  });
  await as(ctx, world.people.approver).post(`/requests/${request.body.id}/approve`, {});
  expect((await as(ctx, world.people.procClerk).post(`/requests/${request.body.id}/accept`, {})).status).toBe(200);
});
afterAll(async () => {
  expect(serverErrors(ctx)).toEqual([]);
  await ctx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const download = (req: ReturnType<ReturnType<typeof as>['get']>) => req.buffer(true).parse(binary);

async function dossierOf(actor = world.people.officer, lang = 'en') {
  const res = await download(as(ctx, actor).get(`/cases/${world.caseId}/dossier.zip?lang=${lang}`));
  return { res, files: res.status === 200 ? unzipSync(new Uint8Array(res.body as Buffer)) : {} };
}

/** Runs `npm run verify` on a dossier as a user would, in a child process; its exit code and output. */
async function verifyCli(files: Zippable | Buffer, ...args: string[]) {
  const file = path.join(dir, `dossier-${Math.random().toString(36).slice(2)}.zip`);
  fs.writeFileSync(file, Buffer.isBuffer(files) ? files : zipSync(files));
  const result = await run(tsx, ['src/cli/verify.ts', file, ...(args.length ? args : ['--log-key', logKey])], {
    cwd: root,
  }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
  fs.rmSync(file);
  return result;
}

const item = (code: string, file: string) => `items/${code}/${file}`;

describe('a case dossier (卷宗)', () => {
  test("holds every item's history PDF in the language asked, its bundle and its events, the key, the checkpoint and a README", async () => {
    const { res, files } = await dossierOf();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.txt',
        'checkpoint.json',
        'log-key.json',
        'manifest.json',
        ...codes.flatMap((c) => ['history.pdf', 'proof.json', 'events.jsonl'].map((f) => item(c, f))),
      ].sort(),
    );
    for (const code of codes) {
      const bundle = JSON.parse(strFromU8(files[item(code, 'proof.json')]!)) as ProofBundle;
      expect((await verifyBundle(bundle, ctx.ledger.signer)).ok).toBe(true);
      // The same bundle the API answers for the item.
      expect((await as(ctx, world.people.officer).get(`/items/${code}/proof`)).body).toEqual(bundle);
      const lines = strFromU8(files[item(code, 'events.jsonl')]!).trimEnd().split('\n');
      const events = (await as(ctx, world.people.officer).get(`/items/${code}/events`)).body.items as {
        index: number;
        leafHash: string;
      }[];
      expect(lines.map((l) => JSON.parse(l) as { index: number; leafHash: string; canonical: string })).toEqual(
        bundle.events.map((e) => ({
          index: e.index,
          leafHash: leafHash(e.canonical).toString('hex'),
          canonical: e.canonical,
        })),
      );
      expect(lines.map((l) => (JSON.parse(l) as { leafHash: string }).leafHash)).toEqual(events.map((e) => e.leafHash));
    }
    const text = await pdfText(Buffer.from(files[item(codes[1]!, 'history.pdf')]!));
    expect(text).toContain('VERIFIED: the history is complete and unaltered');
    expect(text).toContain(res.headers['x-report-id']);
    const zh = (await dossierOf(world.people.officer, 'zh')).files;
    expect(await pdfText(Buffer.from(zh[item(codes[1]!, 'history.pdf')]!))).toContain('保管链报告');

    const key = JSON.parse(strFromU8(files['log-key.json']!)) as { verifierKey: string };
    expect(key.verifierKey).toBe((await as(ctx, world.people.officer).get('/ledger/key')).body.verifierKey);
    const checkpoint = JSON.parse(strFromU8(files['checkpoint.json']!)) as { size: number; note: string };
    const bundles = codes.map((c) => JSON.parse(strFromU8(files[item(c, 'proof.json')]!)) as ProofBundle);
    expect(checkpoint.size).toBeGreaterThanOrEqual(Math.max(...bundles.map((b) => b.inclusion.treeSize)));
    expect(checkpoint.note).toContain(`${checkpoint.size}\n`);
    const readme = strFromU8(files['README.txt']!);
    expect(readme).toContain('npm run verify -- dossier.zip --log-key');
    expect(readme).toContain('核验');
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as DossierManifest;
    expect(manifest.items.map((i) => i.code)).toEqual(codes);
    expect(manifest.files).toHaveLength(Object.keys(files).length - 1);
  });

  test('the verify command checks it all offline and exits 0', async () => {
    const { res } = await dossierOf();
    const ok = await verifyCli(res.body as Buffer);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(new RegExp(`VERIFIED: dossier of ${codes.length} items, \\d+ events`));
  });

  test('a changed byte in an events line, a swapped PDF, a removed bundle, a wrong key: exit 1, the file named', async () => {
    const { files } = await dossierOf();
    const victim = codes[1]!;
    const events = item(victim, 'events.jsonl');
    const changed = { ...files, [events]: strToU8(strFromU8(files[events]!).replace('check_in', 'check_im')) };
    const byte = await verifyCli(changed);
    expect(byte.code).toBe(1);
    expect(byte.stdout).toContain(`FAIL ${events}: line 3: its leafHash is not SHA-256(0x00 || canonical)`);

    const swapped = { ...files, [item(victim, 'history.pdf')]: files[item(codes[2]!, 'history.pdf')]! };
    const pdf = await verifyCli(swapped);
    expect(pdf.code).toBe(1);
    expect(pdf.stdout).toContain(`FAIL ${item(victim, 'history.pdf')}: its SHA-256 or size differs from manifest.json`);
    expect(pdf.stdout).toContain(`FAIL ${item(victim, 'history.pdf')}: does not carry the bundle proof-${victim}.json`);

    const removed: Zippable = { ...files };
    delete removed[item(victim, 'proof.json')];
    const bundle = await verifyCli(removed);
    expect(bundle.code).toBe(1);
    expect(bundle.stdout).toContain(`FAIL ${item(victim, 'proof.json')}: missing`);

    const other = formatVerifierKey(parseSignerKey(generateSignerKey('custody.test/ledger', ED25519)));
    const wrong = await verifyCli(files, '--log-key', other);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('FAIL checkpoint.json:');
    expect(wrong.stdout).toContain(`FAIL ${item(victim, 'proof.json')}: checkpoint signature:`);
    expect(wrong.stdout).toContain('FAIL log-key.json: names another key');
  });

  test('hostile archives are refused, saying why; a usage error exits 2', async () => {
    const notZip = await verifyCli(Buffer.from('PK is not enough'));
    expect(notZip).toMatchObject({ code: 1 });
    expect(notZip.stdout).toContain('FAIL (the archive): refused: not a zip archive');
    const escape = await verifyCli({ '../../etc/evil': strToU8('x'), 'manifest.json': strToU8('{}') });
    expect(escape.stdout).toContain('refused: entry "../../etc/evil": an unsafe path');

    const { res } = await dossierOf();
    const zip = new Uint8Array(res.body as Buffer);
    const pinned = ctx.ledger.signer;
    const limits = { maxEntries: 100, maxEntryBytes: 2 ** 20, maxTotalBytes: 2 ** 30 };
    expect((await verifyDossier(zip, pinned, [], { ...limits, maxEntries: 5 })).failures).toEqual([
      { file: '(the archive)', detail: expect.stringMatching(/refused: \d+ entries: more than the 5 allowed/) },
    ]);
    expect((await verifyDossier(zip, pinned, [], { ...limits, maxEntryBytes: 1000 })).failures[0]!.detail).toMatch(
      /refused: entry .* bytes: larger than the 1000 allowed/,
    );
    // A bomb that declares a small size: inflating stops at the size declared.
    const bomb = zipSync({ 'manifest.json': new Uint8Array(10_000_000) }, { level: 9 });
    const view = new DataView(bomb.buffer);
    let central = bomb.length - 4;
    while (view.getUint32(central, true) !== 0x02014b50) central--;
    view.setUint32(central + 24, 100, true);
    expect((await verifyDossier(bomb, pinned)).failures).toContainEqual({
      file: 'manifest.json',
      detail: 'entry manifest.json inflates to more than its declared 100 bytes',
    });

    const usage = await verifyCli(res.body as Buffer, '--witness-key', logKey);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage:');
  });

  test('an agency sees only its items in it; a case it cannot see is not found', async () => {
    const { res, files } = await dossierOf(world.people.procClerk);
    expect(res.status).toBe(200);
    expect(Object.keys(files).filter((f) => f.endsWith('proof.json'))).toEqual([item(transferred, 'proof.json')]);
    expect((await verifyDossier(new Uint8Array(res.body as Buffer), ctx.ledger.signer)).ok).toBe(true);
    expect((await as(ctx, world.people.strangerOfficer).get(`/cases/${world.caseId}/dossier.zip`)).status).toBe(404);
  });

  test("each export is recorded: for the case, and in each item's report-access log", async () => {
    const { res } = await dossierOf(world.people.officer2);
    const reportId = res.headers['x-report-id'] as string;
    for (const code of codes) {
      const access = (await as(ctx, world.people.inspector).get(`/items/${code}/report-access`)).body.items as {
        kind: string;
        format: string;
        username: string;
      }[];
      expect(access).toContainEqual(
        expect.objectContaining({ kind: 'dossier', format: 'zip', username: world.people.officer2.user.username }),
      );
    }
    const rows = await ctx.orm.em
      .fork()
      .execute<{ kind: string; case_id: string; item_id: string | null; subject_id: string | null }[]>(
        'select kind, case_id, item_id, subject_id from report_access where id = ? or subject_id = ?',
        [reportId, reportId],
      );
    expect(rows.filter((r) => r.item_id === null)).toEqual([
      { kind: 'dossier', case_id: world.caseId, item_id: null, subject_id: null },
    ]);
    expect(rows.filter((r) => r.subject_id === reportId)).toHaveLength(codes.length);
  });

  test('a client that stops reading and goes away ends the export, which writes nothing more', async () => {
    const em = ctx.orm.em.fork();
    const caller = (await loadCaller(em, { id: world.people.officer.user.id }))!;
    const { items } = await searchItems(em, caller, {
      caseId: world.caseId,
      sort: 'itemNo',
      order: 'asc',
      limit: 100,
      offset: 0,
    });
    const source = await caseDossier({
      primary: em,
      replica: em,
      ledger: ctx.ledger,
      attachmentsDir: dir,
      frame: reportFrame('00000000-0000-4000-8000-000000000000', caller, 'en'),
      case: { id: world.caseId, caseNumber: world.caseNumber },
      items,
    });
    let writes = 0;
    // Takes one chunk and never acknowledges it, as a stalled socket; then closes.
    const stalled = new Writable({
      highWaterMark: 1,
      write() {
        writes++;
        setTimeout(() => stalled.destroy(), 50);
      },
    });
    let read = 0;
    const counting = { ...source, history: async (i: (typeof items)[number]) => (read++, source.history(i)) };
    await expect(writeDossier(counting, stalled)).resolves.toBe(false);
    expect(writes).toBe(1);
    expect(read).toBeLessThan(items.length);
  });
});
