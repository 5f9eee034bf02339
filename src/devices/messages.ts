import { z } from 'zod';

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
  operator: z.string().min(1).max(64),
  /** Set by a device that buffered scans while offline and sends them now. */
  replayed: z.boolean().optional(),
});
export type ScanMessage = z.infer<typeof scanMessage>;

export type AckStatus = 'committed' | 'duplicate' | 'rejected';

export interface Ack {
  v: 1;
  msgId: string;
  status: AckStatus;
  /** Short words a scanner display can show. */
  reason?: string;
  item?: { code: string; state: string; location: string | null };
  event?: { index: number; leafHash: string };
}
