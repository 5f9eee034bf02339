import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openCheckpoint } from '../custody/ledger/checkpoints';
import { parseVerifierKey, type VerifierKey } from '../custody/ledger/note';
import { verifyBundle, type ProofBundle } from '../verifier/verify-bundle';
import { verifyDossier } from '../verifier/verify-dossier';
import { ItemReplay, LedgerReplay, missingIndex } from '../custody/ledger/verify/replay';
import { Frontier, leafHash } from '../custody/ledger/merkle';

/**
 * The offline verifier. With a bundle file it needs nothing but the pinned public keys; with --all it reads
 * the whole log through the API (never the database) and checks it against the log's latest signed
 * checkpoint. Exit code 0 when everything verifies, 1 when something does not (and says what), 2 on usage.
 */

const USAGE = `usage:
  npm run verify -- BUNDLE.json --log-key VKEY [--witness-key VKEY ...]
  npm run verify -- DOSSIER.zip --log-key VKEY [--witness-key VKEY ...]
  npm run verify -- --all --server URL --token TOKEN --log-key VKEY [--since SIZE]`;

export interface FullCheck {
  ok: boolean;
  size: number;
  detail: string;
}

/** Replays the whole log from the API, with a progress line on stderr, and compares it with the signed checkpoint. */
type Get = <T>(path: string) => Promise<T>;

const apiOf =
  (server: string, token: string): Get =>
  async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.replace(/\/$/, '')}/api/v1${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

/** The checkpoints the log signed from size `from` on, each opened (its signature checked) with the log's key. */
async function signedCheckpoints(
  get: Get,
  logKey: VerifierKey,
  from: number,
): Promise<{ size: number; root: Buffer }[]> {
  const signed: { size: number; root: Buffer }[] = [];
  for (let after = from - 1; ;) {
    const page = await get<{ items: { note: string }[] }>(`/ledger/checkpoints?after=${after}&limit=1000`);
    if (page.items.length === 0) return signed;
    for (const item of page.items) signed.push(openCheckpoint(item.note, logKey));
    after = signed.at(-1)!.size;
  }
}

const progressLine = (done: number, total: number, started: number) =>
  process.stderr.write(
    `\rverifying ${done.toLocaleString('en')} / ${total.toLocaleString('en')} events (${Math.floor((100 * done) / total)}%), ` +
      `${Math.round(done / Math.max((Date.now() - started) / 1000, 0.001)).toLocaleString('en')}/s   `,
  );

export async function verifyWholeLog(
  server: string,
  token: string,
  logKey: VerifierKey,
  progress = true,
): Promise<FullCheck> {
  const get = apiOf(server, token);
  // Every checkpoint the log ever signed: the replay must meet each one's root at its size.
  const signed = await signedCheckpoints(get, logKey, 1);
  if (signed.length === 0) return { ok: false, size: 0, detail: 'the log has no signed checkpoint to verify against' };
  const checkpoint = signed.at(-1)!;
  let nextCheckpoint = 0;
  const replay = new LedgerReplay();
  const started = Date.now();
  while (replay.frontier.size < checkpoint.size) {
    const page = await get<{ events: { index: number; canonical: string }[] }>(
      `/ledger/events?after=${replay.frontier.size - 1}&limit=10000`,
    );
    if (page.events.length === 0)
      return {
        ok: false,
        size: replay.frontier.size,
        detail: `the log ends at ${replay.frontier.size} events, the checkpoint says ${checkpoint.size}`,
      };
    for (const event of page.events) {
      if (event.index >= checkpoint.size) break;
      const failure = replay.add(event);
      if (failure) return { ok: false, size: replay.frontier.size, detail: `event ${event.index}: ${failure}` };
      const due = signed[nextCheckpoint];
      if (due && due.size === replay.frontier.size) {
        nextCheckpoint++;
        if (!replay.frontier.root().equals(due.root)) {
          return {
            ok: false,
            size: due.size,
            detail: `the first ${due.size} events served do not give the root signed in the checkpoint of that size: the log was rewritten`,
          };
        }
      }
    }
    if (progress) progressLine(replay.frontier.size, checkpoint.size, started);
  }
  if (progress) process.stderr.write('\n');
  return {
    ok: true,
    size: checkpoint.size,
    detail: `${checkpoint.size} events, ${replay.items.size} items: every hash, chain and the root match the checkpoint signed by ${logKey.name}`,
  };
}

/**
 * Verifies what the log appended after the signed checkpoint of `since` events, which an earlier run
 * verified: the tree's O(log n) nodes below it, served by the server, must fold to that checkpoint's signed
 * root; then every later event is replayed onto that tree up to the latest checkpoint, meeting the root of
 * each one on the way. An item whose history began before `since` has its earlier events fetched first, and
 * its chain checked through them (the hash of its last earlier event is in the first new one, which the
 * signed tree vouches for). What it does not read again, it says.
 */
export async function verifyLogSince(
  server: string,
  token: string,
  logKey: VerifierKey,
  since: number,
  progress = true,
): Promise<FullCheck> {
  const get = apiOf(server, token);
  const signed = await signedCheckpoints(get, logKey, since);
  if (signed[0]?.size !== since)
    return { ok: false, size: 0, detail: `the log signed no checkpoint of ${since} events to start from` };
  const checkpoint = signed.at(-1)!;
  const served = await get<{ hashes: string[] }>(`/ledger/frontier?size=${since}`);
  const frontier = new Frontier(
    since,
    served.hashes.map((h) => Buffer.from(h, 'base64')),
  );
  if (!frontier.root().equals(signed[0].root))
    return {
      ok: false,
      size: since,
      detail: `the tree's nodes served for the first ${since} events do not give the root signed at that size`,
    };
  const chains = new ItemReplay();
  let earlier = 0;
  let nextCheckpoint = 1;
  const started = Date.now();
  while (frontier.size < checkpoint.size) {
    const page = await get<{ events: { index: number; canonical: string }[] }>(
      `/ledger/events?after=${frontier.size - 1}&limit=10000`,
    );
    if (page.events.length === 0)
      return {
        ok: false,
        size: frontier.size,
        detail: `the log ends at ${frontier.size} events, the checkpoint says ${checkpoint.size}`,
      };
    for (const event of page.events) {
      if (event.index >= checkpoint.size) break;
      if (event.index !== frontier.size)
        return { ok: false, size: frontier.size, detail: missingIndex(frontier.size, event.index) };
      const { itemId, itemSeq } = JSON.parse(event.canonical) as { itemId: string; itemSeq: number };
      if (Number(itemSeq) > 1 && !chains.items.has(itemId)) {
        for (let after = -1; ;) {
          const { events: history } = await get<{ events: { index: number; canonical: string }[] }>(
            `/ledger/events?item=${itemId}&before=${since}&after=${after}&limit=10000`,
          );
          for (const old of history) {
            const failure = chains.add(old.canonical, leafHash(old.canonical).toString('hex'));
            if (failure) return { ok: false, size: since, detail: `event ${old.index} (before ${since}): ${failure}` };
          }
          earlier += history.length;
          if (history.length < 10_000) break;
          after = history.at(-1)!.index;
        }
      }
      const leaf = leafHash(event.canonical);
      const failure = chains.add(event.canonical, leaf.toString('hex'));
      if (failure) return { ok: false, size: frontier.size, detail: `event ${event.index}: ${failure}` };
      frontier.append(leaf);
      const due = signed[nextCheckpoint];
      if (due && due.size === frontier.size) {
        nextCheckpoint++;
        if (!frontier.root().equals(due.root))
          return {
            ok: false,
            size: due.size,
            detail: `the first ${due.size} events served do not give the root signed in the checkpoint of that size: the log was rewritten`,
          };
      }
    }
    if (progress) progressLine(frontier.size - since, checkpoint.size - since, started);
  }
  if (progress) process.stderr.write('\n');
  return {
    ok: true,
    size: checkpoint.size,
    detail:
      `${checkpoint.size - since} events after the checkpoint of ${since}, and ${earlier} earlier events of the ` +
      `${chains.items.size} items they touched: every hash, chain and the root match the checkpoint of ` +
      `${checkpoint.size} signed by ${logKey.name}. The other events before ${since} were not read again: ` +
      `a full verification (without --since) reads them. Next time: --since ${checkpoint.size}`,
  };
}

/** A zip by its first bytes, whatever its name. */
function isZip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return fs.readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    fs.closeSync(fd);
  }
}

const MAX_DOSSIER_BYTES = 2 ** 31 - 1;

/** The whole file, refused before it is read when it is larger than a zip without ZIP64 can be. */
function readLimited(file: string): Uint8Array {
  const { size } = fs.statSync(file);
  if (size > MAX_DOSSIER_BYTES) throw new Error(`${file} is ${size} bytes: larger than a dossier can be`);
  return fs.readFileSync(file);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      server: { type: 'string' },
      token: { type: 'string' },
      'log-key': { type: 'string' },
      'witness-key': { type: 'string', multiple: true, default: [] },
      since: { type: 'string' },
    },
  });
  const since = values.since === undefined ? undefined : Number(values.since);
  if (
    !values['log-key'] ||
    (values.all ? !values.server || !values.token : positionals.length !== 1 || since !== undefined) ||
    (since !== undefined && !(Number.isInteger(since) && since >= 1))
  ) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const logKey = parseVerifierKey(values['log-key']);
  if (values.all) {
    const result =
      since === undefined
        ? await verifyWholeLog(values.server!, values.token!, logKey)
        : await verifyLogSince(values.server!, values.token!, logKey, since);
    process.stdout.write(`${result.ok ? 'VERIFIED' : 'FAILED'}: ${result.detail}\n`);
    process.exit(result.ok ? 0 : 1);
  }
  const file = positionals[0]!;
  if (!fs.existsSync(file)) {
    process.stderr.write(`verify: no file ${file}\n${USAGE}\n`);
    process.exit(2);
  }
  const witnessKeys = values['witness-key'].map(parseVerifierKey);
  if (file.endsWith('.zip') || isZip(file)) {
    const dossier = await verifyDossier(readLimited(file), logKey, witnessKeys);
    for (const failure of dossier.failures) process.stdout.write(`FAIL ${failure.file}: ${failure.detail}\n`);
    process.stdout.write(
      dossier.ok
        ? `VERIFIED: dossier of ${dossier.items} items, ${dossier.events} events, checkpoint of ${dossier.checkpoint!.size} signed by ${logKey.name}\n`
        : `FAILED: ${dossier.failures.length} problems in ${file}\n`,
    );
    process.exit(dossier.ok ? 0 : 1);
  }
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as ProofBundle;
  const check = await verifyBundle(bundle, logKey, witnessKeys);
  for (const step of check.steps) process.stdout.write(`${step.ok ? 'ok  ' : 'FAIL'} ${step.step}: ${step.detail}\n`);
  process.stdout.write(check.ok ? `VERIFIED: item ${bundle.itemCode}, ${bundle.events.length} events\n` : 'FAILED\n');
  process.exit(check.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`verify: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
