import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openCheckpoint } from '../custody/ledger/checkpoints';
import { parseVerifierKey, type VerifierKey } from '../custody/ledger/note';
import { verifyBundle, type ProofBundle } from '../verifier/verify-bundle';
import { LedgerReplay } from '../custody/ledger/verify/replay';

/**
 * The offline verifier. With a bundle file it needs nothing but the pinned public keys; with --all it reads
 * the whole log through the API (never the database) and checks it against the log's latest signed
 * checkpoint. Exit code 0 when everything verifies, 1 when something does not (and says what), 2 on usage.
 */

const USAGE = `usage:
  npm run verify -- BUNDLE.json --log-key VKEY [--witness-key VKEY ...]
  npm run verify -- --all --server URL --token TOKEN --log-key VKEY`;

export interface FullCheck {
  ok: boolean;
  size: number;
  detail: string;
}

/** Replays the whole log from the API, with a progress line on stderr, and compares it with the signed checkpoint. */
export async function verifyWholeLog(
  server: string,
  token: string,
  logKey: VerifierKey,
  progress = true,
): Promise<FullCheck> {
  const api = `${server.replace(/\/$/, '')}/api/v1`;
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  // Every checkpoint the log ever signed: the replay must meet each one's root at its size.
  const signed: { size: number; root: Buffer }[] = [];
  for (let after = 0; ;) {
    const page = await get<{ items: { note: string }[] }>(`/ledger/checkpoints?after=${after}&limit=1000`);
    if (page.items.length === 0) break;
    for (const item of page.items) signed.push(openCheckpoint(item.note, logKey));
    after = signed.at(-1)!.size;
  }
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
    if (progress) {
      const done = replay.frontier.size;
      const rate = Math.round(done / Math.max((Date.now() - started) / 1000, 0.001));
      process.stderr.write(
        `\rverifying ${done.toLocaleString('en')} / ${checkpoint.size.toLocaleString('en')} events (${Math.floor((100 * done) / checkpoint.size)}%), ${rate.toLocaleString('en')}/s   `,
      );
    }
  }
  if (progress) process.stderr.write('\n');
  return {
    ok: true,
    size: checkpoint.size,
    detail: `${checkpoint.size} events, ${replay.items.size} items: every hash, chain and the root match the checkpoint signed by ${logKey.name}`,
  };
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
    },
  });
  if (!values['log-key'] || (values.all ? !values.server || !values.token : positionals.length !== 1)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const logKey = parseVerifierKey(values['log-key']);
  if (values.all) {
    const result = await verifyWholeLog(values.server!, values.token!, logKey);
    process.stdout.write(`${result.ok ? 'VERIFIED' : 'FAILED'}: ${result.detail}\n`);
    process.exit(result.ok ? 0 : 1);
  }
  const bundle = JSON.parse(fs.readFileSync(positionals[0]!, 'utf8')) as ProofBundle;
  const check = await verifyBundle(bundle, logKey, values['witness-key'].map(parseVerifierKey));
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
