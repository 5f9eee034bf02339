import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, UnprocessableError } from '../errors';
import { Location } from '../custody/directory/location.entity';
import { Device, type DeviceKind, type ScannerMode } from './device.entity';

// Device passwords are 192 random bits, not chosen by people: a plain SHA-256 is enough to keep them from
// a database dump, and cheap enough for every reconnect.
const hash = (password: string) => createHash('sha256').update(password).digest();

/** Mosquitto's password-file hash ($6$: SHA-512 of the password and a random salt). */
export function mosquittoHash(password: string): string {
  const salt = randomBytes(12);
  const digest = createHash('sha512').update(password).update(salt).digest();
  return `$6$${salt.toString('base64')}$${digest.toString('base64')}`;
}
const newPassword = () => randomBytes(24).toString('base64url');

export interface NewDevice {
  code: string;
  kind: DeviceKind;
  locationCode?: string;
  mode?: ScannerMode;
}

/** Registers a device; its MQTT password is returned this once and only its hash is kept. */
export async function registerDevice(
  em: EntityManager,
  input: NewDevice,
): Promise<{ device: Device; password: string }> {
  if (input.kind === 'scanner' && !input.mode)
    throw new UnprocessableError('a scanner needs a mode: check_in, check_out or audit');
  return em.transactional(async (tx) => {
    if (await tx.count(Device, { code: input.code })) throw new ConflictError(`device ${input.code} already exists`);
    let locationId: string | null = null;
    if (input.locationCode) {
      const location = await tx.findOne(Location, { code: input.locationCode });
      if (!location) throw new UnprocessableError(`location ${input.locationCode} does not exist`);
      if (input.kind === 'locker' && location.kind !== 'locker')
        throw new UnprocessableError(`${input.locationCode} is a ${location.kind}, not a locker`);
      locationId = location.id;
    }
    const password = newPassword();
    const device = tx.create(Device, {
      id: randomUUID(),
      code: input.code,
      kind: input.kind,
      locationId,
      mode: input.kind === 'scanner' ? input.mode! : null,
      passwordHash: hash(password),
      mosquittoHash: mosquittoHash(password),
    });
    await tx.flush();
    return { device, password };
  });
}

export async function findDevice(em: EntityManager, id: string): Promise<Device> {
  const device = await em.findOne(Device, { id });
  if (!device) throw new NotFoundError(`device ${id} does not exist`);
  return device;
}

export async function rotateDevicePassword(
  em: EntityManager,
  id: string,
): Promise<{ device: Device; password: string }> {
  return em.transactional(async (tx) => {
    const device = await findDevice(tx, id);
    const password = newPassword();
    device.passwordHash = hash(password);
    device.mosquittoHash = mosquittoHash(password);
    await tx.flush();
    return { device, password };
  });
}

export async function disableDevice(em: EntityManager, id: string): Promise<Device> {
  return em.transactional(async (tx) => {
    const device = await findDevice(tx, id);
    device.active = false;
    await tx.flush();
    return device;
  });
}

/** The active device with this id and password, or null. */
export async function checkDeviceCredentials(em: EntityManager, id: string, password: string): Promise<Device | null> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return null;
  const device = await em.findOne(Device, { id, active: true });
  if (!device) return null;
  const given = hash(password);
  return timingSafeEqual(given, device.passwordHash) ? device : null;
}

export function presentDevice(device: Device) {
  return {
    id: device.id,
    code: device.code,
    kind: device.kind,
    locationId: device.locationId ?? null,
    mode: device.mode ?? null,
    active: device.active,
    online: device.online,
    lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
    createdAt: device.createdAt.toISOString(),
    username: device.id,
    topic: `custody/v1/${device.kind}/${device.id}/`,
  };
}
