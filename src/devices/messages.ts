import { z } from 'zod';
import type { DeviceOrigin } from '../custody/ledger/append';

/** Fields every device event carries: a message id the device reuses on every retry, its sequence, boot and clock. */
const envelope = {
  v: z.literal(1),
  msgId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -'),
  seq: z.number().int().nonnegative(),
  bootId: z.string().min(1).max(64),
  deviceTime: z.iso.datetime({ offset: true }),
};

export const scanMessage = z.strictObject({
  ...envelope,
  /** What was read: an item's code, or a location label's code (which sets where the next items go). */
  code: z.string().min(1).max(64),
  symbology: z.enum(['code128', 'qrcode', 'datamatrix']).optional(),
  /** The operator session the station was given when its user signed in (evt/operator): the scan's authority. */
  session: z.uuid().optional(),
  /** The username the station shows; if given, it must be the one signed in. */
  operator: z.string().min(1).max(64).optional(),
  /** Set by a device that buffered scans while offline and sends them now. */
  replayed: z.boolean().optional(),
});
export type ScanMessage = z.infer<typeof scanMessage>;

/** A warehouse user signing in at a scanner with the code the console gave them, or the station signing them out. */
export const operatorMessage = z.discriminatedUnion('action', [
  z.strictObject({
    ...envelope,
    action: z.literal('sign_in'),
    code: z.string().regex(/^[0-9]{6}$/, 'must be the 6 digits the console shows'),
  }),
  z.strictObject({ ...envelope, action: z.literal('sign_out'), session: z.uuid() }),
]);
export type OperatorMessage = z.infer<typeof operatorMessage>;

export const doorMessage = z.strictObject({
  ...envelope,
  compartment: z.string().min(1).max(40),
  side: z.enum(['front', 'back']),
  state: z.enum(['open', 'closed']),
  /** An officer's own credentials, typed or read from a badge at the front door. */
  credential: z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).optional(),
  /** The items the officer deposits, as scanned at the locker. */
  itemCodes: z.array(z.string().min(1).max(40)).max(50).optional(),
  /** The unlock command that opened the back door. */
  cmdId: z.uuid().optional(),
  replayed: z.boolean().optional(),
});
export type DoorMessage = z.infer<typeof doorMessage>;

export const occupancyMessage = z.strictObject({
  ...envelope,
  compartment: z.string().min(1).max(40),
  occupied: z.boolean(),
  doorClosed: z.boolean(),
  replayed: z.boolean().optional(),
});
export type OccupancyMessage = z.infer<typeof occupancyMessage>;

export const tamperMessage = z.strictObject({
  ...envelope,
  compartment: z.string().min(1).max(40).optional(),
  kind: z.string().min(1).max(40),
  replayed: z.boolean().optional(),
});
export type TamperMessage = z.infer<typeof tamperMessage>;

/** Presence, retained: the device publishes online on connect and leaves offline as its last will. */
export const statusMessage = z.object({ v: z.literal(1), online: z.boolean(), bootId: z.string().max(64).optional() });

/** Telemetry (QoS 0, no answer): readings per compartment. */
export const teleMessage = z.object({
  v: z.literal(1),
  deviceTime: z.iso.datetime({ offset: true }),
  compartment: z.string().min(1).max(40),
  temperature: z.number().min(-100).max(200).optional(),
  humidity: z.number().min(0).max(100).optional(),
});

export const commandResult = z.object({
  v: z.literal(1),
  cmdId: z.uuid(),
  ok: z.boolean(),
  reason: z.string().max(200).optional(),
});

export type AckStatus = 'committed' | 'duplicate' | 'rejected';

export interface Ack {
  v: 1;
  msgId: string;
  status: AckStatus;
  /** Short words a scanner display can show. */
  reason?: string;
  item?: { code: string; state: string; location: string | null };
  event?: { index: number; leafHash: string };
  /** After a sign-in: the session id the station puts in its scans, whose it is, and until when. */
  session?: { id: string; operator: string; expiresAt: string };
}

/** What a device's event claims about its time, and when the server received it (by the server's clock). */
export const originOf = (
  device: { id: string },
  message: { deviceTime: string; replayed?: boolean },
  receivedAt: Date,
): DeviceOrigin => ({
  device: device.id,
  deviceTime: message.deviceTime,
  receivedAt: receivedAt.toISOString(),
  replayed: message.replayed ?? false,
});
