import type { EntityManager } from '@mikro-orm/postgresql';
import type { VerifierKey } from '../note';
import { withPgConnection } from '../../sql';
import { verifySince } from './incremental';
import { verifyLedger, type VerifyOptions, type VerifyResult } from './verify';

/** `all`: every event from the first; `last`: from the checkpoint the last passing verification ended at. */
export type VerifyFrom = 'all' | 'last';

export interface VerificationRun {
  from: VerifyFrom;
  trigger: 'request' | 'daily';
  requestedBy?: string;
  logKey?: VerifierKey;
  onProgress?: VerifyOptions['onProgress'];
}

const FAILED = 'ledger_verification_failed';
const DUE_LOCK = `hashtext('custody.verification')`;

/** The signed checkpoint the last passing verification ended at, or null when none did (or none had one). */
export async function lastVerifiedCheckpoint(em: EntityManager): Promise<number | null> {
  const [row] = await em.execute<{ checkpoint: string | null }[]>(
    'select checkpoint from ledger_verifications where ok order by id desc limit 1',
  );
  return row?.checkpoint == null ? null : Number(row.checkpoint);
}

const failureMessage = ({ since, failure }: VerifyResult) =>
  `the ledger's ${since === null ? 'full verification' : `verification since checkpoint ${since}`} failed` +
  `${failure!.index === null ? '' : ` at event ${failure!.index}`}: ${failure!.reason}`;

/** Whether `em` holds the signed checkpoint of this size (a replica may not have replayed it yet). */
async function holdsCheckpoint(em: EntityManager, size: number): Promise<boolean> {
  return (await em.execute('select 1 from checkpoints where size = ?', [size])).length > 0;
}

/**
 * Verifies the ledger (incrementally when asked and a passing verification has ended at a checkpoint; in
 * full otherwise) and records the run. A failure also raises an alert, one open at a time, for the centre's
 * staff and inspectors to see at once. `reader` (a read replica, say) is where the ledger is read; it MAY lag,
 * and then verifies an earlier tree, as its size says. The record and the alert are written through `em`
 * (the primary), and so is where the last verification ended read from.
 */
export async function runVerification(
  em: EntityManager,
  run: VerificationRun,
  reader: EntityManager = em,
): Promise<VerifyResult> {
  const startedAt = new Date().toISOString();
  const since = run.from === 'last' ? await lastVerifiedCheckpoint(em) : null;
  const options = { logKey: run.logKey, onProgress: run.onProgress };
  // A replica still short of that checkpoint would report it missing, as if the ledger had lost it.
  const source = since !== null && reader !== em && !(await holdsCheckpoint(reader, since)) ? em : reader;
  const result = since === null ? await verifyLedger(source, options) : await verifySince(source, since, options);
  await em.fork().transactional(async (tx) => {
    await tx.execute(
      `insert into ledger_verifications (trigger, requested_by, since, size, events_checked, items_checked, ok,
                                         failure, checkpoint, started_at)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)`,
      [
        run.trigger,
        run.requestedBy ?? null,
        result.since,
        result.size,
        result.eventsChecked,
        result.itemsChecked,
        result.ok,
        result.failure && JSON.stringify(result.failure),
        result.checkpoint,
        startedAt,
      ],
    );
    if (result.ok) return;
    await tx.execute(
      `insert into alerts (id, kind, item_id, message, event_idx)
       select gen_random_uuid(), ?, (select id from items where id = ?::uuid), ?, ?
        where not exists (select 1 from alerts where kind = ? and status = 'open')`,
      [FAILED, result.failure!.itemId, failureMessage(result), result.failure!.index, FAILED],
    );
  });
  return result;
}

/**
 * The periodic verification, from the last verified checkpoint, when none has run for `intervalSeconds`:
 * with several instances, one runs it (a session advisory lock) and the others find it done. Resolves with
 * its result, or null when it was not due here. `reader`, as runVerification's.
 */
export async function verifyWhenDue(
  em: EntityManager,
  intervalSeconds: number,
  logKey: VerifierKey | undefined,
  reader: EntityManager = em,
): Promise<VerifyResult | null> {
  return withPgConnection(em, async (client) => {
    const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${DUE_LOCK}) as ok`);
    if (!rows[0]!.ok) return null;
    try {
      const { rows: last } = await client.query<{ age: number }>(
        `select extract(epoch from now() - finished_at)::float8 as age
           from ledger_verifications where trigger = 'daily' order by id desc limit 1`,
      );
      if (last[0] && last[0].age < intervalSeconds) return null;
      return await runVerification(em, { from: 'last', trigger: 'daily', logKey }, reader);
    } finally {
      await client.query(`select pg_advisory_unlock(${DUE_LOCK})`);
    }
  });
}
