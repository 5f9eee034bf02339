import { z } from 'zod';
import {
  commandResult,
  doorMessage,
  occupancyMessage,
  operatorMessage,
  scanMessage,
  statusMessage,
  tamperMessage,
  teleMessage,
} from './messages';

const ack = z.object({
  v: z.literal(1),
  msgId: z.string(),
  status: z.enum(['committed', 'duplicate', 'rejected']),
  reason: z.string().optional(),
  item: z.object({ code: z.string(), state: z.string(), location: z.string().nullable() }).optional(),
  event: z.object({ index: z.number().int(), leafHash: z.string() }).optional(),
  session: z.object({ id: z.uuid(), operator: z.string(), expiresAt: z.iso.datetime() }).optional(),
});

const unlockCommand = z.object({
  v: z.literal(1),
  cmdId: z.uuid(),
  compartment: z.string(),
  side: z.literal('back'),
  expiresAt: z.iso.datetime(),
});

/** The JSON Schema of the device messages, for device makers (docs/device-messages.schema.json is this). */
export function deviceMessageSchemas() {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Custody device messages (v1)',
    description:
      'Topics under custody/v1/{kind}/{deviceId}/: the device publishes evt/<type> (QoS 1), tele (QoS 0), status (retained, also its last will) and cmd/res, and subscribes to ack and cmd/#. A scanner sends evt/scan and evt/operator; a locker evt/door, evt/occupancy and evt/tamper. See docs/devices.md.',
    $defs: {
      'evt/scan': schema(scanMessage),
      'evt/operator': schema(operatorMessage),
      'evt/door': schema(doorMessage),
      'evt/occupancy': schema(occupancyMessage),
      'evt/tamper': schema(tamperMessage),
      tele: schema(teleMessage),
      status: schema(statusMessage),
      ack: schema(ack),
      'cmd/unlock': schema(unlockCommand),
      'cmd/res': schema(commandResult),
    },
  };
}
