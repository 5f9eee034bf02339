import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { verifyBundle, type ProofBundle } from '../src/verifier/verify-bundle';
import { canonicalJson } from '../src/custody/ledger/canonical-json';
import { LedgerForkError, signCheckpoint } from '../src/custody/ledger/checkpoints';
import { Frontier, leafHash } from '../src/custody/ledger/merkle';
import {
  COSIGNATURE_V1,
  checkpointText,
  cosign,
  ED25519,
  formatVerifierKey,
  generateSignerKey,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifyCosignature,
} from '../src/custody/ledger/note';

import { verifyLedger } from '../src/custody/ledger/verify/verify';
import { initOrm } from '../src/orm';
import { verifyWholeLog } from '../src/cli/verify';
import { WitnessAlarm, witnessOnce } from '../src/cli/witness';
import { createTestContext, serverErrors, type TestContext } from './context';
import { as, buildWorld, register, stored, type World } from './world';

const run = promisify(execFile);

describe('C2SP signed notes', () => {
  // The reference vector of golang.org/x/mod/sumdb/note.
  const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const skey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const signed = `${text}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

  test('signing the reference text with the reference key gives the reference note, byte for byte', () => {
    expect(signNote(text, parseSignerKey(skey))).toBe(signed);
    expect(formatVerifierKey(parseSignerKey(skey))).toBe(vkey);
  });

  test('the reference note opens with the reference verifier key; an altered one does not', () => {
    expect(openNote(signed, parseVerifierKey(vkey))).toBe(text);
    expect(() => openNote(signed.replace('cryptography', 'Cryptography'), parseVerifierKey(vkey))).toThrow(
      /does not verify/,
    );
    const other = parseVerifierKey(formatVerifierKey(parseSignerKey(generateSignerKey('PeterNeumann', ED25519))));
    expect(() => openNote(signed, other)).toThrow(/no signature by PeterNeumann/);
  });

  test('a verifier key with a wrong key id is refused', () => {
    expect(() => parseVerifierKey(vkey.replace('c74f20a3', 'c74f20a4'))).toThrow(/key id/);
  });

  test('a timestamped cosignature verifies, and not once the checkpoint or its time is changed', () => {
    const log = parseSignerKey(generateSignerKey('log.example/a', ED25519));
    const witness = parseSignerKey(generateSignerKey('witness.example/w1', COSIGNATURE_V1));
    const note = signNote('log.example/a\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n', log);
    const cosigned = note + cosign(parseNote(note).text, witness, 1_700_000_000);
    expect(verifyCosignature(cosigned, parseVerifierKey(formatVerifierKey(witness)))).toBe(1_700_000_000);
    expect(() => verifyCosignature(cosigned.replace('\n5\n', '\n6\n'), witness)).toThrow(/does not verify/);
  });
});

describe('checkpoints, proofs and the witness', () => {
  let ctx: TestContext;
  let world: World;
  let server: http.Server;
  let base: string;
  const witnessDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-witness-'));
  const witnessSigner = parseSignerKey(generateSignerKey('witness.test/inspectorate', COSIGNATURE_V1));
  const witnessKey = parseVerifierKey(formatVerifierKey(witnessSigner));
  let logKey: ReturnType<typeof parseVerifierKey>;

  beforeAll(async () => {
    const checkpointFile = path.join(witnessDir, 'server-checkpoints.log');
    const signer = parseSignerKey(generateSignerKey('custody.test/ledger', ED25519));
    ctx = await createTestContext({}, { ledger: { signer, file: checkpointFile, witnesses: [witnessKey] } });
    world = await buildWorld(ctx);
    server = http.createServer(ctx.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const key = await fetch(`${base}/api/v1/ledger/key`).then(
      (r) => r.json() as Promise<{ verifierKey: string; origin: string }>,
    );
    logKey = parseVerifierKey(key.verifierKey);
    expect(key.origin).toBe('custody.test/ledger');
  });
  afterAll(async () => {
    server.close();
    expect(serverErrors(ctx)).toEqual([]);
    await ctx.close();
    fs.rmSync(witnessDir, { recursive: true, force: true });
  });

  const witness = () =>
    witnessOnce({
      server: base,
      logKey,
      signer: witnessSigner,
      stateFile: path.join(witnessDir, 'state.json'),
      log: () => {},
    });
  const bundleOf = async (code: string) =>
    (await as(ctx, world.people.inspector).get(`/items/${code}/proof`)).body as ProofBundle;

  test('a signed checkpoint verifies with the published key, and is kept in a file outside the database too', async () => {
    await register(ctx, world);
    const res = await as(ctx, world.people.inspector).post('/ledger/checkpoint');
    expect(res.status).toBe(200);
    const opened = openNote(res.body.note, logKey);
    expect(opened).toBe(`custody.test/ledger\n${res.body.size}\n${res.body.root}\n`);
    expect(fs.readFileSync(path.join(witnessDir, 'server-checkpoints.log'), 'utf8')).toContain(res.body.note);
    const public_ = await fetch(`${base}/api/v1/ledger/checkpoints?size=${res.body.size}`).then(
      (r) => r.json() as Promise<{ note: string }>,
    );
    expect(public_.note).toBe(res.body.note);
  });

  test("an item's proof bundle verifies offline; the witness cosigns and the bundle then carries it", async () => {
    const [code] = await stored(ctx, world);
    await as(ctx, world.people.inspector).post('/ledger/checkpoint');
    await witness();
    const bundle = await bundleOf(code!);
    expect(bundle.events.length).toBe(3);
    const check = await verifyBundle(bundle, logKey, [witnessKey]);
    expect(check.steps.filter((s) => !s.ok)).toEqual([]);
    expect(check).toMatchObject({ ok: true, cosignedBy: [{ name: 'witness.test/inspectorate' }] });
  });

  describe('a tampered bundle fails with the right message', () => {
    let bundle: ProofBundle;
    beforeAll(async () => {
      const [code] = await stored(ctx, world);
      await as(ctx, world.people.warehouse).post(`/items/${code}/move`, { locationCode: world.loc('SHELF-2') });
      bundle = await bundleOf(code!);
    });
    const failure = async (b: ProofBundle) => {
      const check = await verifyBundle(b, logKey);
      expect(check.ok).toBe(false);
      return check.steps.at(-1)!;
    };

    test('the untouched bundle verifies (control)', async () => {
      expect((await verifyBundle(bundle, logKey)).ok).toBe(true);
    });

    test.each([0, 1, 2, 3])('one changed byte in event %i', async (i) => {
      const events = bundle.events.map((e, j) =>
        j === i ? { ...e, canonical: e.canonical.replace(/"(\d{4})-/, (_, y) => `"${Number(y) + 1}-`) } : e,
      );
      expect(events[i]!.canonical).not.toBe(bundle.events[i]!.canonical);
      const step = await failure({ ...bundle, events });
      expect(step.step).toMatch(/chain|inclusion/);
    });

    test('a dropped event', async () => {
      const step = await failure({ ...bundle, events: bundle.events.filter((_, i) => i !== 1) });
      expect(step.detail).toMatch(/itemSeq 3 where 2 was expected/);
    });

    test('two swapped events', async () => {
      const events = [...bundle.events];
      [events[1], events[2]] = [events[2]!, events[1]!];
      expect((await failure({ ...bundle, events })).detail).toMatch(/missing or out of order/);
    });

    test('an older checkpoint', async () => {
      const [first] = await ctx.orm.em
        .fork()
        .execute<{ note: string }[]>('select note from checkpoints order by size limit 1');
      expect((await failure({ ...bundle, checkpoint: first!.note })).detail).toMatch(
        /older than the item's latest event|proof is for a tree/,
      );
    });

    test('a checkpoint signed by another key', async () => {
      const forger = parseSignerKey(generateSignerKey('custody.test/ledger', ED25519));
      const { text } = parseNote(bundle.checkpoint);
      expect((await failure({ ...bundle, checkpoint: signNote(text, forger) })).detail).toMatch(
        /no signature by custody.test\/ledger/,
      );
    });
  });

  test('two API instances on one database never sign two trees of one size, and every checkpoint extends the last', async () => {
    const second = await initOrm({ url: ctx.url, poolMax: 3 });
    try {
      const signing = { signer: ctx.ledger.signer, file: null };
      const codes = await register(
        ctx,
        world,
        Array.from({ length: 6 }, () => ({
          category: 'document',
          description: 'file',
          quantity: 1,
          unit: 'folder',
          seizedAt: '2026-11-01T00:00:00Z',
        })),
      );
      await Promise.all(
        codes.flatMap((code, i) => [
          as(ctx, world.people.officer)
            .post(`/items/${code}/hold`, { reason: 'x' })
            .then(() => undefined),
          signCheckpoint((i % 2 ? second : ctx.orm).em.fork(), signing),
          signCheckpoint((i % 2 ? ctx.orm : second).em.fork(), signing),
        ]),
      );
      await signCheckpoint(second.em.fork(), signing);
      const result = await verifyLedger(ctx.orm.em.fork(), { logKey });
      expect(result).toMatchObject({ ok: true });
      const sizes = (
        await ctx.orm.em.fork().execute<{ size: string }[]>('select size from checkpoints order by size')
      ).map((r) => Number(r.size));
      expect(new Set(sizes).size).toBe(sizes.length);
    } finally {
      await second.close(true);
    }
  });

  test('the verify command checks a bundle file with pinned keys, and says what failed', async () => {
    const [code] = await stored(ctx, world);
    const file = path.join(witnessDir, 'bundle.json');
    const bundle = await bundleOf(code!);
    fs.writeFileSync(file, JSON.stringify(bundle));
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const ok = await run(tsx, ['src/cli/verify.ts', file, '--log-key', formatVerifierKey(logKey)], {
      cwd: path.join(__dirname, '..'),
    });
    expect(ok.stdout).toMatch(/VERIFIED: item/);
    fs.writeFileSync(file, JSON.stringify({ ...bundle, events: bundle.events.slice(1) }));
    const bad = await run(tsx, ['src/cli/verify.ts', file, '--log-key', formatVerifierKey(logKey)], {
      cwd: path.join(__dirname, '..'),
    }).catch((err: { code: number; stdout: string }) => err);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stdout: string }).stdout).toMatch(/FAIL chain: event 1 .* itemSeq 2 where 1 was expected/);
  });

  test('a database owner who rewrites an event and recomputes every hash, chain and the tree is caught', async () => {
    const [code] = await stored(ctx, world);
    // Only what a checkpoint covers is protected: sign one, and let the witness see it.
    await as(ctx, world.people.inspector).post('/ledger/checkpoint');
    await witness();
    const inspectorToken = world.people.inspector.token;
    expect((await verifyWholeLog(base, inspectorToken, logKey, false)).ok).toBe(true);

    // The rewrite: change where the item was checked in, then recompute its chain, every leaf and the head.
    const sql = new pg.Client({ connectionString: ctx.url });
    await sql.connect();
    try {
      await sql.query('begin');
      await sql.query('alter table ledger_events disable trigger all');
      await sql.query('alter table ledger_head disable trigger all');
      const { rows } = await sql.query<{ idx: string; item_id: string; canonical: string }>(
        'select idx, item_id, canonical from ledger_events order by idx',
      );
      const {
        rows: [item],
      } = await sql.query<{ id: string }>('select id from items where code = $1', [code]);
      const target = rows.find((r) => r.item_id === item!.id && JSON.parse(r.canonical).type === 'check_in')!;
      const lastLeaf = new Map<string, string>();
      const frontier = new Frontier();
      for (const row of rows) {
        const envelope = JSON.parse(row.canonical);
        if (row.idx === target.idx) envelope.payload.note = 'moved by nobody';
        envelope.prevItemHash = lastLeaf.get(envelope.itemId) ?? null;
        const canonical = canonicalJson(envelope);
        const leaf = leafHash(canonical);
        lastLeaf.set(envelope.itemId, leaf.toString('hex'));
        frontier.append(leaf);
        if (canonical !== row.canonical) {
          await sql.query(
            `update ledger_events set canonical = $1, leaf_hash = $2, prev_item_hash = decode($3, 'hex') where idx = $4`,
            [canonical, leaf, envelope.prevItemHash, row.idx],
          );
        }
      }
      await sql.query('update ledger_head set frontier = $1, root = $2', [
        Buffer.concat(frontier.nodes),
        frontier.root(),
      ]);
      for (const [table, trigger] of [
        ['ledger_events', 'ledger_events_append_only'],
        ['ledger_events', 'ledger_events_no_truncate'],
        ['ledger_head', 'ledger_head_no_delete'],
        ['ledger_head', 'ledger_head_no_truncate'],
        ['ledger_head', 'ledger_head_forward_only'],
      ]) {
        await sql.query(`alter table ${table} enable always trigger ${trigger}`);
      }
      await sql.query('commit');
    } finally {
      await sql.end();
    }

    // The server refuses to sign the rewritten tree, and the witness raises its alarm …
    await register(ctx, world);
    await expect(signCheckpoint(ctx.orm.em.fork(), { signer: ctx.ledger.signer, file: null })).rejects.toThrow(
      LedgerForkError,
    );
    // Even if whoever rewrote the rows could also sign (a stolen key), the witness holds the older root:
    const [head] = await ctx.orm.em
      .fork()
      .execute<{ size: string; root: Buffer }[]>('select size, root from ledger_head');
    const forged = signNote(checkpointText('custody.test/ledger', Number(head!.size), head!.root), ctx.ledger.signer);
    await ctx.orm.em
      .fork()
      .execute('insert into checkpoints (size, root, note) values (?, ?, ?)', [head!.size, head!.root, forged]);
    await expect(witness()).rejects.toThrow(/rewritten history/);
    // … its own verification names the rewrite against the signed checkpoints …
    expect((await verifyLedger(ctx.orm.em.fork(), { logKey })).failure?.reason).toMatch(/history was rewritten/);
    // … and the offline verifier, with only the pinned key, finds the served log does not match what was signed.
    const full = await verifyWholeLog(base, inspectorToken, logKey, false);
    // (it replays the served log against every signed checkpoint, so the older one gives the rewrite away).
    expect(full).toMatchObject({ ok: false, detail: expect.stringMatching(/rewritten/) });
  });
});

describe('the witness raises an alarm', () => {
  let ctx: TestContext;
  let server: http.Server;
  let base: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-witness-alarm-'));
  const signer = parseSignerKey(generateSignerKey('witness.test/w2', COSIGNATURE_V1));
  beforeAll(async () => {
    ctx = await createTestContext(
      {},
      {
        ledger: {
          signer: parseSignerKey(generateSignerKey('custody.test/fork', ED25519)),
          file: null,
          witnesses: [parseVerifierKey(formatVerifierKey(signer))],
        },
      },
    );
    const world = await buildWorld(ctx);
    await register(ctx, world);
    await signCheckpoint(ctx.orm.em.fork(), ctx.ledger);
    server = http.createServer(ctx.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('when the log presents a different tree of a size it already signed (a fork), with an HTTP notice', async () => {
    const logKey = parseVerifierKey(formatVerifierKey(ctx.ledger.signer));
    const stateFile = path.join(dir, 'state.json');
    const notices: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        notices.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const alarmUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alarm`;
    try {
      await witnessOnce({ server: base, logKey, signer, stateFile, alarmUrl, log: () => {} });
      // The witness's memory says it saw another root at this size: what a split view looks like to it.
      const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
      fs.writeFileSync(stateFile, JSON.stringify({ ...state, root: Buffer.alloc(32, 7).toString('base64') }));
      await expect(witnessOnce({ server: base, logKey, signer, stateFile, alarmUrl, log: () => {} })).rejects.toThrow(
        WitnessAlarm,
      );
      expect(JSON.parse(notices[0]!)).toMatchObject({
        alarm: expect.stringMatching(/^fork/),
        log: 'custody.test/fork',
      });
    } finally {
      receiver.close();
    }
  });
});
