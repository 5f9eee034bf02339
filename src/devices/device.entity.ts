import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

export const DEVICE_KINDS = ['scanner', 'locker'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const SCANNER_MODES = ['check_in', 'check_out', 'audit'] as const;
export type ScannerMode = (typeof SCANNER_MODES)[number];

export const Device = defineEntity({
  name: 'Device',
  tableName: 'devices',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    code: p.string().unique(),
    kind: p.enum([...DEVICE_KINDS]),
    locationId: p.uuid().nullable(),
    mode: p.enum([...SCANNER_MODES]).nullable(),
    scanLocationId: p.uuid().nullable(),
    passwordHash: p.blob().hidden(),
    mosquittoHash: p.string().nullable().hidden(),
    active: p.boolean().default(true),
    online: p.boolean().default(false),
    lastSeenAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  }),
});
export type Device = InferEntity<typeof Device>;

/** What handling a device's message needs to know of it. */
export type DeviceRef = Pick<
  Device,
  'id' | 'code' | 'kind' | 'locationId' | 'mode' | 'scanLocationId' | 'online' | 'lastSeenAt'
>;

/** An active device, read without an entity: it is looked up for every message a device sends. */
export async function findActiveDevice(em: EntityManager, id: string): Promise<DeviceRef | null> {
  const [row] = await em.execute<(Omit<DeviceRef, 'lastSeenAt'> & { lastSeenAt: string | null })[]>(
    `select id, code, kind, location_id as "locationId", mode, scan_location_id as "scanLocationId", online, last_seen_at as "lastSeenAt"
       from devices where id = ? and active`,
    [id],
  );
  return row ? { ...row, lastSeenAt: row.lastSeenAt ? new Date(row.lastSeenAt) : null } : null;
}
