import { z } from 'zod';
import { scanMessage } from './messages';

const ack = z.object({
  v: z.literal(1),
  msgId: z.string(),
  status: z.enum(['committed', 'duplicate', 'rejected']),
  reason: z.string().optional(),
  item: z.object({ code: z.string(), state: z.string(), location: z.string().nullable() }).optional(),
  event: z.object({ index: z.number().int(), leafHash: z.string() }).optional(),
});

/** The JSON Schema of the device messages, for device makers (docs/device-messages.schema.json is this). */
export function deviceMessageSchemas() {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Custody device messages (v1)',
    description: 'Topics under custody/v1/{kind}/{deviceId}/: the device publishes evt/scan (QoS 1) and subscribes to ack.',
    $defs: { 'evt/scan': schema(scanMessage), ack: schema(ack) },
  };
}
