import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openCheckpoint } from '../custody/ledger/checkpoints';
import { verifyConsistency } from '../custody/ledger/merkle';
import {
  COSIGNATURE_V1,
  cosign,
  formatVerifierKey,
  generateSignerKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  type NoteSigner,
  type VerifierKey,
} from '../custody/ledger/note';

/**
 * The witness: a separate program, run by another body (the inspectorate) on its own machine. It polls the
 * log's latest checkpoint, checks the log's signature and that the new tree extends the last one it saw
 * (consistency proof), cosigns it (C2SP tlog-cosignature) and keeps what it saw on its own disk. A rollback,
 * a fork or a rewritten history raises an alarm: a log line, an HTTP notice and exit code 3.
 */

export interface WitnessOptions {
  server: string;
  logKey: VerifierKey;
  signer: NoteSigner;
  stateFile: string;
  alarmUrl?: string;
  log?: (entry: Record<string, unknown>) => void;
}

export class WitnessAlarm extends Error {
  override name = 'WitnessAlarm';
}

interface State {
  size: number;
  root: string;
  note: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function readState(file: string): State | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as State;
  } catch {
    return null;
  }
}

function writeState(file: string, state: State): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** One round: fetch, check, cosign, remember. Throws WitnessAlarm when the log misbehaves. */
export async function witnessOnce(options: WitnessOptions): Promise<{ size: number; cosigned: boolean }> {
  const api = `${options.server.replace(/\/$/, '')}/api/v1`;
  const log =
    options.log ?? ((entry) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`));
  const alarm = async (reason: string, details: Record<string, unknown>) => {
    log({ level: 'alarm', reason, ...details });
    if (options.alarmUrl) {
      await fetch(options.alarmUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alarm: reason, log: options.logKey.name, witness: options.signer.name, ...details }),
      }).catch((err: unknown) =>
        log({ level: 'error', msg: 'could not deliver the alarm notice', error: String(err) }),
      );
    }
    throw new WitnessAlarm(reason);
  };

  const { note } = await getJson<{ note: string }>(`${api}/ledger/checkpoint`);
  let checkpoint: ReturnType<typeof openCheckpoint>;
  try {
    checkpoint = openCheckpoint(note, options.logKey);
  } catch (err) {
    return alarm(`the checkpoint is not validly signed by ${options.logKey.name}: ${(err as Error).message}`, { note });
  }
  const previous = readState(options.stateFile);
  if (previous) {
    const details = { previousSize: previous.size, size: checkpoint.size };
    if (checkpoint.size < previous.size)
      return alarm('rollback: the log presents a smaller tree than one it signed before', details);
    const previousRoot = Buffer.from(previous.root, 'base64');
    if (checkpoint.size === previous.size && !checkpoint.root.equals(previousRoot)) {
      return alarm('fork: two different trees of the same size were signed', details);
    }
    if (checkpoint.size > previous.size) {
      const proof = await getJson<{ hashes: string[] }>(
        `${api}/ledger/proof/consistency?from=${previous.size}&to=${checkpoint.size}`,
      );
      const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
      if (!verifyConsistency(previous.size, checkpoint.size, previousRoot, checkpoint.root, hashes)) {
        return alarm(
          'rewritten history: the new tree is not consistent with the last checkpoint this witness saw',
          details,
        );
      }
    }
  }

  const { text } = parseNote(note);
  const res = await fetch(`${api}/ledger/cosignatures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: checkpoint.size, line: cosign(text, options.signer) }),
  });
  // 409: already cosigned in an earlier round.
  if (!res.ok && res.status !== 409)
    throw new Error(`the log refused the cosignature: HTTP ${res.status} ${await res.text()}`);
  writeState(options.stateFile, { size: checkpoint.size, root: checkpoint.root.toString('base64'), note });
  log({ level: 'info', msg: 'cosigned', size: checkpoint.size });
  return { size: checkpoint.size, cosigned: res.ok };
}

/** The witness's own cosigner key, made on first run in its state folder. */
export function loadWitnessSigner(stateDir: string, name: string): NoteSigner {
  const file = path.join(stateDir, 'witness-key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, generateSignerKey(name, COSIGNATURE_V1), { mode: 0o600, flag: 'wx' });
  }
  return parseSignerKey(fs.readFileSync(file, 'utf8'));
}

const USAGE = `usage: npm run witness -- --server URL --log-key VKEY [--state-dir DIR] [--name NAME] [--interval SECONDS] [--once] [--alarm-url URL]
  --log-key    the log's verifier key, from GET /api/v1/ledger/key (pin it; do not fetch it each time)
  --state-dir  where the witness keeps its key and the last checkpoint it cosigned (default ./witness-data)
  --name       the witness's key name (default witness.local/inspectorate)
  --once       one round, then exit: 0 cosigned, 3 alarm, 1 other error`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string' },
      'log-key': { type: 'string' },
      'state-dir': { type: 'string', default: './witness-data' },
      name: { type: 'string', default: 'witness.local/inspectorate' },
      interval: { type: 'string', default: '10' },
      once: { type: 'boolean', default: false },
      'alarm-url': { type: 'string' },
    },
  });
  if (!values.server || !values['log-key']) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const signer = loadWitnessSigner(values['state-dir'], values.name);
  process.stderr.write(`witness key (give it to the log as CUSTODY_WITNESS_KEYS): ${formatVerifierKey(signer)}\n`);
  const options: WitnessOptions = {
    server: values.server,
    logKey: parseVerifierKey(values['log-key']),
    signer,
    stateFile: path.join(values['state-dir'], 'state.json'),
    alarmUrl: values['alarm-url'],
  };
  for (;;) {
    try {
      await witnessOnce(options);
    } catch (err) {
      if (err instanceof WitnessAlarm) process.exit(3);
      process.stderr.write(`witness: ${(err as Error).message}\n`);
      if (values.once) process.exit(1);
    }
    if (values.once) return;
    await new Promise((resolve) => setTimeout(resolve, Number(values.interval) * 1000));
  }
}

if (require.main === module) void main();
