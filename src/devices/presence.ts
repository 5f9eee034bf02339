import type { EntityManager } from '@mikro-orm/postgresql';
import { Alert } from '../custody/items/records.entity';
import { Device } from './device.entity';

/**
 * Lockers must be heard from (a message, a reading or a status) at least every `silenceSeconds`: a last will
 * is not always delivered, so silence itself raises an alert, once, and a device heard again resolves it.
 */
export async function sweepSilentLockers(
  em: EntityManager,
  silenceSeconds: number,
  now = new Date(),
): Promise<{ silent: number; heard: number }> {
  return em.transactional(async (tx) => {
    // One sweeper at a time across instances, so an alert is raised once.
    await tx.execute(`select pg_advisory_xact_lock(hashtext('custody.presence'))`);
    return sweep(tx, silenceSeconds, now);
  });
}

async function sweep(em: EntityManager, silenceSeconds: number, now: Date): Promise<{ silent: number; heard: number }> {
  const cutoff = new Date(now.getTime() - silenceSeconds * 1000);
  const silent = await em.find(Device, {
    kind: 'locker',
    active: true,
    $or: [{ lastSeenAt: { $lt: cutoff } }, { lastSeenAt: null, createdAt: { $lt: cutoff } }],
  });
  let raised = 0;
  for (const device of silent) {
    if (await em.count(Alert, { kind: 'device_silent', deviceId: device.id, status: 'open' })) continue;
    em.create(Alert, {
      kind: 'device_silent',
      deviceId: device.id,
      locationId: device.locationId ?? null,
      message: `locker ${device.code} has not been heard from since ${device.lastSeenAt?.toISOString() ?? 'it was registered'}`,
    });
    raised++;
  }
  await em.flush();
  const heard = await em.execute(
    `update alerts a set status = 'resolved', resolved_at = now() from devices d
      where a.device_id = d.id and a.kind = 'device_silent' and a.status = 'open' and d.last_seen_at >= ?`,
    [cutoff],
    'run',
  );
  if (silent.length) await em.nativeUpdate(Device, { id: { $in: silent.map((d) => d.id) } }, { online: false });
  return { silent: raised, heard: (heard as unknown as { affectedRows?: number }).affectedRows ?? 0 };
}
