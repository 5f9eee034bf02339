import { randomUUID } from 'node:crypto';
import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const DEVICE_KINDS = ['scanner', 'locker'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const SCANNER_MODES = ['check_in', 'check_out', 'audit'] as const;
export type ScannerMode = (typeof SCANNER_MODES)[number];

export const Device = defineEntity({
  name: 'Device',
  tableName: 'devices',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
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
