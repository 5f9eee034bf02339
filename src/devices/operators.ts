import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadCaller, type Caller } from '../custody/directory/caller';
import type { Sql } from '../custody/sql';
import { NotFoundError, UnprocessableError } from '../errors';
import { Device, type DeviceRef } from './device.entity';
import type { Outcome } from './once';

/**
 * Operator sessions: who stands at a scanner. A warehouse user, signed in to the API with their own token,
 * asks for a code for one scanner; the station sends that code (evt/operator) and is answered with a
 * session id, which it puts in every scan. A scan is done in the name of the user whose live session at
 * that very device it names, and of no one else: the scanner's own credentials name nobody.
 */

/** How long a code waits for the station. */
export const CODE_SECONDS = 120;
/** Wrong codes sent by one device after which every code waiting at it is void. */
export const WRONG_CODES_ALLOWED = 5;
/** A session lasts a shift unless the user asks for less, or the station or the user signs out. */
export const SESSION_SECONDS = { default: 8 * 3600, max: 12 * 3600 };

// A code is six digits, lives two minutes, is used once and has at most five guesses against it: a plain
// hash, keyed by the device, is enough to keep it out of a database dump's hands for its short life.
const codeHash = (deviceId: string, code: string) => createHash('sha256').update(`${deviceId}:${code}`).digest();

const NO_SESSION =
  'no operator is signed in at this station (or the session has ended): sign in with a code from the console';

/** Gives the caller a code to sign in at this scanner; their earlier unused codes for it are void. */
export async function openOperatorCode(em: EntityManager, caller: Caller, deviceId: string, lifetimeSeconds: number) {
  const device = await em.findOne(Device, { id: deviceId });
  if (!device) throw new NotFoundError(`device ${deviceId} does not exist`);
  if (device.kind !== 'scanner' || !device.active)
    throw new UnprocessableError(`${device.code} is not an active scanner`);
  return em.transactional(async (tx) => {
    // One writer of a device's codes at a time, so two waiting codes are never the same.
    await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`operator-codes:${device.id}`]);
    await tx.execute(
      'update operator_sessions set ended_at = now() where device_id = ? and user_id = ? and started_at is null and ended_at is null',
      [device.id, caller.id],
    );
    let code: string;
    do code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    while (
      (
        await tx.execute(`select 1 from operator_sessions where device_id = ? and code_hash = ? and ended_at is null`, [
          device.id,
          codeHash(device.id, code),
        ])
      ).length
    );
    const codeExpiresAt = new Date(Date.now() + CODE_SECONDS * 1000);
    await tx.execute(
      'insert into operator_sessions (id, device_id, user_id, code_hash, code_expires_at, lifetime_seconds) values (?, ?, ?, ?, ?, ?)',
      [randomUUID(), device.id, caller.id, codeHash(device.id, code), codeExpiresAt, lifetimeSeconds],
    );
    return { deviceId: device.id, code, codeExpiresAt: codeExpiresAt.toISOString(), sessionSeconds: lifetimeSeconds };
  });
}

/** Ends the caller's session and waiting codes at a device (signing out from the console). */
export async function closeOperatorSessions(em: EntityManager, caller: Caller, deviceId: string): Promise<number> {
  return em.transactional(async (tx) => {
    const ended = await tx.execute<{ id: string }[]>(
      'update operator_sessions set ended_at = now() where device_id = ? and user_id = ? and ended_at is null returning id',
      [deviceId, caller.id],
    );
    return ended.length;
  });
}

/**
 * The station sends a code. The right one starts its session, judged by the server's clock when the message
 * arrived, and ends the station's previous one (one person at a station); a wrong one is counted against
 * every code waiting at this device, and is a refusal whose count is committed.
 */
export async function signInOperator(
  tx: EntityManager,
  device: DeviceRef,
  code: string,
  receivedAt: Date,
): Promise<Outcome> {
  const [waiting] = await tx.execute<{ id: string; user_id: string; lifetime_seconds: number }[]>(
    `select id, user_id, lifetime_seconds from operator_sessions
      where device_id = ? and code_hash = ? and started_at is null and ended_at is null and code_expires_at > ? for update`,
    [device.id, codeHash(device.id, code), receivedAt],
  );
  const operator = waiting ? await loadCaller(tx, { id: waiting.user_id }) : null;
  if (!waiting || !operator?.roles.includes('warehouse')) {
    await tx.execute(
      `update operator_sessions set wrong_codes = wrong_codes + 1, ended_at = case when wrong_codes + 1 >= ? then ?::timestamptz end
        where device_id = ? and started_at is null and ended_at is null`,
      [WRONG_CODES_ALLOWED, receivedAt, device.id],
    );
    return { status: 'rejected', reason: 'wrong or expired code: ask the console for a new one' };
  }
  await tx.execute(
    'update operator_sessions set ended_at = ? where device_id = ? and started_at is not null and ended_at is null',
    [receivedAt, device.id],
  );
  const expiresAt = new Date(receivedAt.getTime() + waiting.lifetime_seconds * 1000);
  await tx.execute('update operator_sessions set started_at = ?, expires_at = ?, code_hash = null where id = ?', [
    receivedAt,
    expiresAt,
    waiting.id,
  ]);
  return {
    reason: `signed in: ${operator.username}`,
    session: { id: waiting.id, operator: operator.username, expiresAt: expiresAt.toISOString() },
  };
}

export async function signOutOperator(
  tx: EntityManager,
  device: DeviceRef,
  session: string,
  receivedAt: Date,
): Promise<Outcome> {
  const ended = await tx.execute<{ id: string }[]>(
    'update operator_sessions set ended_at = ? where id = ? and device_id = ? and ended_at is null returning id',
    [receivedAt, session, device.id],
  );
  return ended.length
    ? { reason: 'signed out' }
    : { status: 'rejected', reason: 'that session is not open at this station' };
}

/**
 * Who a scan is done by: the warehouse user of the live session it names at this device, when it arrived.
 * A scan naming no session, another device's, or an ended one is refused.
 */
export async function operatorAt(
  sql: Sql,
  device: DeviceRef,
  scan: { session?: string; operator?: string },
  receivedAt: Date,
): Promise<Caller> {
  if (!scan.session) throw new UnprocessableError(NO_SESSION);
  const [session] = await sql.execute<{ user_id: string }[]>(
    `select user_id from operator_sessions where id = ? and device_id = ? and started_at is not null and ended_at is null and expires_at > ?`,
    [scan.session, device.id, receivedAt],
  );
  if (!session) throw new UnprocessableError(NO_SESSION);
  const operator = await loadCaller(sql, { id: session.user_id });
  if (!operator || !operator.roles.includes('warehouse'))
    throw new UnprocessableError('the operator signed in here is no longer active warehouse staff');
  if (scan.operator !== undefined && scan.operator !== operator.username)
    throw new UnprocessableError(`${scan.operator} is not the operator signed in here`);
  return operator;
}
