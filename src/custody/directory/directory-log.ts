import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { canonicalJson, isCanonical, type Json } from '../ledger/canonical-json';
import type { Caller } from './caller';
import { Frontier, leafHash } from '../ledger/merkle';

/**
 * The directory log: every change to users, roles, agencies, locations and devices, so that what an
 * administrator did is on record as the custody ledger is. Each entry is canonical JSON (RFC 8785) with
 * its sequence number and the previous entry's leaf hash, SHA-256(0x00 || entry); the leaves also make one
 * RFC 6962 tree whose root the head row keeps. PostgreSQL refuses to change or remove entries.
 *
 * An entry MUST NOT hold a password, a password hash or any other secret: callers pass what changed,
 * built field by field, never an entity.
 */

export type SubjectKind = 'user' | 'agency' | 'location' | 'device' | 'webhook';

export interface DirectoryChange {
  /** `<subject kind>.<what happened>`, e.g. `user.roles_changed`. */
  action: string;
  subject: { kind: SubjectKind; id: string };
  /** What changed, in plain values; numbers as strings, as in the ledger's envelopes. */
  change: { [key: string]: Json };
}

const VERSION = '1';

const nfc = (value: Json): Json => {
  if (typeof value === 'string') return value.normalize('NFC');
  if (Array.isArray(value)) return value.map(nfc);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.normalize('NFC'), nfc(v)]));
  return value;
};

/**
 * Appends one entry for `change`, made by `actor` (null: the server itself, e.g. the demo's set-up).
 * MUST run inside the transaction of the change, so that both commit or neither; the head row's lock
 * keeps the numbering gap-free and in commit order.
 */
export async function recordDirectoryChange(
  tx: EntityManager,
  actor: Caller | null,
  change: DirectoryChange,
): Promise<void> {
  if (!tx.isInTransaction()) throw new Error('a directory change is recorded in the transaction that makes it');
  // The server's role may not lock the head row (FOR UPDATE needs UPDATE): appenders take turns by this
  // lock, held to COMMIT, so that the head read here is still the head when custody_directory_append runs.
  await tx.execute(`select pg_advisory_xact_lock(hashtext('custody.directory_log'))`);
  const [head] = await tx.execute<{ size: string; last_hash: Buffer }[]>(
    'select size, last_hash from directory_log_head',
  );
  const seq = Number(head!.size) + 1;
  const entry = canonicalJson(
    nfc({
      v: VERSION,
      seq: String(seq),
      prevHash: head!.last_hash.toString('hex'),
      action: change.action,
      actor: actor ? { id: actor.id, username: actor.username } : null,
      subject: change.subject,
      change: change.change,
      recordedAt: new Date().toISOString(),
    }),
  );
  // The owner's function extends the tree and moves the head: the server's role cannot write either.
  await tx.execute('select custody_directory_append(?, ?, ?)', [
    entry,
    Buffer.from(leafHash(entry)),
    change.subject.id,
  ]);
}

export interface DirectoryLogEntry {
  seq: number;
  leafHash: string;
  entry: Json;
}

/** A page of the log in order, optionally of one subject (a user, agency, location or device). */
export async function directoryLogPage(
  em: EntityManager,
  page: { limit: number; offset: number; subjectId?: string },
): Promise<{ items: DirectoryLogEntry[]; total: number }> {
  const rows = await em.execute<{ seq: string; entry: string; leaf_hash: Buffer; total: string }[]>(
    `select seq, entry, leaf_hash, count(*) over () as total from directory_log
      where (?::uuid is null or subject_id = ?) order by seq limit ? offset ?`,
    [page.subjectId ?? null, page.subjectId ?? null, page.limit, page.offset],
  );
  return {
    items: rows.map((r) => ({
      seq: Number(r.seq),
      leafHash: r.leaf_hash.toString('hex'),
      entry: JSON.parse(r.entry) as Json,
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}

export interface DirectoryLogVerification {
  ok: boolean;
  size: number;
  /** The tree's root recomputed from the entries, hex. */
  root: string;
  checkedAt: string;
  /** The first entry that does not check (null for a failure of the head row). */
  failure: { seq: number | null; reason: string } | null;
}

const BATCH = 1000;

/** Why one stored entry does not check, or null. */
function entryFault(
  row: { seq: string; entry: string; leaf_hash: Buffer; subject_id: string },
  seq: number,
  prevHash: string,
): string | null {
  if (Number(row.seq) !== seq) return `entry ${seq} is missing: the next one is ${row.seq}`;
  let value: { v?: unknown; seq?: unknown; prevHash?: unknown; subject?: { id?: unknown } };
  try {
    value = JSON.parse(row.entry);
  } catch {
    return 'the entry is not JSON';
  }
  if (!isCanonical(value as Json, row.entry)) return 'the entry is not in canonical form';
  if (value.v !== VERSION || value.seq !== String(seq)) return 'the entry names another version or number';
  if (value.prevHash !== prevHash) return "the entry does not name the previous entry's hash: the chain is broken";
  if (value.subject?.id !== row.subject_id) return "the row's subject differs from the entry's";
  if (!leafHash(row.entry).equals(row.leaf_hash)) return 'the leaf hash does not match the entry: it was rewritten';
  return null;
}

/**
 * Recomputes the whole log from its rows, in one snapshot: each entry's canonical form and leaf hash, the
 * chain of previous hashes, the gap-free numbering, and the head row's size, last hash and tree root.
 * Stops at the first mismatch and names it.
 */
export async function verifyDirectoryLog(em: EntityManager): Promise<DirectoryLogVerification> {
  return em.fork().transactional(
    async (tx) => {
      const frontier = new Frontier();
      let prevHash = '';
      const result = (failure: DirectoryLogVerification['failure']): DirectoryLogVerification => ({
        ok: failure === null,
        size: frontier.size,
        root: frontier.root().toString('hex'),
        checkedAt: new Date().toISOString(),
        failure,
      });
      for (;;) {
        const rows = await tx.execute<{ seq: string; entry: string; leaf_hash: Buffer; subject_id: string }[]>(
          'select seq, entry, leaf_hash, subject_id from directory_log where seq > ? order by seq limit ?',
          [frontier.size, BATCH],
        );
        for (const row of rows) {
          const fault = entryFault(row, frontier.size + 1, prevHash);
          if (fault) return result({ seq: frontier.size + 1, reason: fault });
          frontier.append(Buffer.from(row.leaf_hash));
          prevHash = row.leaf_hash.toString('hex');
        }
        if (rows.length < BATCH) break;
      }
      const [head] = await tx.execute<{ size: string; last_hash: Buffer; root: Buffer }[]>(
        'select size, last_hash, root from directory_log_head',
      );
      if (!head || Number(head.size) !== frontier.size)
        return result({
          seq: null,
          reason: `the head row counts ${head?.size ?? 'no'} entries, the log has ${frontier.size}`,
        });
      if (head.last_hash.toString('hex') !== prevHash)
        return result({ seq: null, reason: "the head row's last hash is not the last entry's" });
      if (!head.root.equals(frontier.root()))
        return result({ seq: null, reason: "the head row's root is not the tree's" });
      return result(null);
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
  );
}
