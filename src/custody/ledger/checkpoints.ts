import fs from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, UnprocessableError } from '../../errors';
import { consistencyProof, verifyConsistency } from './merkle';
import {
  checkpointText,
  NoteError,
  openNote,
  parseCheckpoint,
  parseNote,
  signNote,
  verifyCosignature,
  type NoteSigner,
  type VerifierKey,
} from './note';
import { ledgerRangeRoots } from './tree-store';

export interface Checkpoint {
  size: number;
  root: Buffer;
  /** The signed note with every cosignature line the server has received. */
  note: string;
  createdAt: string;
}

export interface CheckpointSigner {
  signer: NoteSigner;
  /** A file outside the database to which every signed checkpoint is appended. */
  file: string | null;
}

interface Row {
  size: string;
  root: Buffer;
  note: string;
  created_at: Date;
}

async function withCosignatures(em: EntityManager, row: Row): Promise<Checkpoint> {
  const lines = await em.execute<{ line: string }[]>(
    'select line from cosignatures where checkpoint_size = ? order by received_at, witness_name',
    [row.size],
  );
  return {
    size: Number(row.size),
    root: row.root,
    note: row.note + lines.map((l) => l.line).join(''),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function latestCheckpoint(em: EntityManager): Promise<Checkpoint | null> {
  const [row] = await em.execute<Row[]>(
    'select size, root, note, created_at from checkpoints order by size desc limit 1',
  );
  return row ? withCosignatures(em, row) : null;
}

export async function listCheckpoints(em: EntityManager, afterSize: number, limit: number): Promise<Checkpoint[]> {
  const rows = await em.execute<Row[]>(
    'select size, root, note, created_at from checkpoints where size > ? order by size limit ?',
    [afterSize, limit],
  );
  return Promise.all(rows.map((row) => withCosignatures(em, row)));
}

/** The checkpoint of exactly `size`, or the smallest one at least that large. */
export async function checkpointCovering(em: EntityManager, size: number): Promise<Checkpoint> {
  const [row] = await em.execute<Row[]>(
    'select size, root, note, created_at from checkpoints where size >= ? order by size limit 1',
    [size],
  );
  if (!row) throw new NotFoundError(`no checkpoint covers a tree of ${size} events yet`);
  return withCosignatures(em, row);
}

export class LedgerForkError extends Error {
  override name = 'LedgerForkError';
}

/**
 * Signs the current tree head if the log has grown, once per size whichever instance gets there: an advisory
 * lock makes one signer at a time, and a tree that is not consistent with the last signed checkpoint is
 * refused (a rewritten history is never signed). Returns the latest checkpoint.
 */
export async function signCheckpoint(
  em: EntityManager,
  { signer, file }: CheckpointSigner,
): Promise<Checkpoint | null> {
  await em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('custody.checkpoint'))`);
    const [head] = await tx.execute<{ size: string; root: Buffer }[]>('select size, root from ledger_head');
    const size = Number(head!.size);
    const [last] = await tx.execute<Row[]>(
      'select size, root, note, created_at from checkpoints order by size desc limit 1',
    );
    if (size === 0 || (last && Number(last.size) >= size)) return;
    if (last) {
      const proof = await consistencyProof(ledgerRangeRoots(tx), Number(last.size), size);
      if (!verifyConsistency(Number(last.size), size, last.root, head!.root, proof)) {
        throw new LedgerForkError(
          `the tree of ${size} events is not consistent with the checkpoint signed at ${last.size}: history was rewritten`,
        );
      }
    }
    const note = signNote(checkpointText(signer.name, size, head!.root), signer);
    await tx.execute('insert into checkpoints (size, root, note) values (?, ?, ?)', [size, head!.root, note]);
    if (file) await fs.appendFile(file, `${note}\n`, { mode: 0o600 });
  });
  return latestCheckpoint(em);
}

/** Stores a witness's cosignature, after checking it against the witness keys the server was given. */
export async function addCosignature(
  em: EntityManager,
  witnesses: VerifierKey[],
  size: number,
  line: string,
): Promise<Checkpoint> {
  const [row] = await em.execute<Row[]>('select size, root, note, created_at from checkpoints where size = ?', [size]);
  if (!row) throw new NotFoundError(`there is no checkpoint of size ${size}`);
  const candidate = `${row.note}${line.endsWith('\n') ? line : `${line}\n`}`;
  const { signatures } = parseNote(candidate);
  const added = signatures.at(-1)!;
  const witness = witnesses.find((w) => w.name === added.name && w.keyId.equals(added.keyId));
  if (!witness) throw new UnprocessableError(`${added.name} is not a witness this server knows`);
  let timestamp: number;
  try {
    timestamp = verifyCosignature(candidate, witness);
  } catch (err) {
    throw new UnprocessableError(err instanceof NoteError ? err.message : 'the cosignature does not verify');
  }
  const inserted = await em.execute<{ size: string }[]>(
    `insert into cosignatures (checkpoint_size, witness_name, key_id, line, signed_at) values (?, ?, ?, ?, to_timestamp(?))
     on conflict do nothing returning checkpoint_size as size`,
    [size, witness.name, witness.keyId, added.line, timestamp],
  );
  if (inserted.length === 0)
    throw new ConflictError(`${witness.name} has already cosigned the checkpoint of size ${size}`);
  return withCosignatures(em, row);
}

/** Checks a checkpoint note against the log's key and returns its size and root. */
export function openCheckpoint(note: string, logKey: VerifierKey): { origin: string; size: number; root: Buffer } {
  const checkpoint = parseCheckpoint(openNote(note, logKey));
  if (checkpoint.origin !== logKey.name)
    throw new NoteError(`the checkpoint is for ${checkpoint.origin}, not ${logKey.name}`);
  return checkpoint;
}
