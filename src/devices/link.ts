import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { findUnsafeText, unsafeTextReason } from '../custody/unsafe-text';
import { zodFieldErrors } from '../errors';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GroupCommit } from '../custody/items/group-commit';
import type { z } from 'zod';
import { Device, findActiveDevice, type DeviceKind, type DeviceRef } from './device.entity';
import { answerDoor, answerOccupancy, handleTamper, handleTelemetry } from './locker';
import {
  commandResult,
  doorMessage,
  occupancyMessage,
  operatorMessage,
  scanMessage,
  tamperMessage,
  statusMessage,
  teleMessage,
  type Ack,
  type OperatorMessage,
  type ScanMessage,
  type TamperMessage,
} from './messages';
import { exactlyOnce, type Outcome } from './once';
import { signInOperator, signOutOperator } from './operators';
import { handleScan } from './scanner';
import { deviceTopic, parseTopic, TOPIC_ROOT } from './topics';

export interface DeviceLink {
  /** Sends a command to a device (QoS 1, never retained). */
  command(kind: string, deviceId: string, name: string, payload: object): Promise<void>;
  close(): Promise<void>;
}

export interface LinkOptions {
  url: string;
  username?: string;
  password?: string;
  /** On an external MQTT 5 broker, instances share the device topics ($share/custody/…): each message goes to one. */
  shared: boolean;
}

/**
 * Turns Nagle's algorithm off on an MQTT client's socket, now and after every reconnection: acks are small
 * and a device waits for each, so a small packet held back for coalescing costs a whole delayed-ACK period.
 */
export function withoutNagle(client: MqttClient): MqttClient {
  const apply = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
  apply();
  client.on('connect', apply);
  return client;
}

/**
 * The server's side of the device protocol: subscribes to every device's events, turns each into the same
 * command the API uses, and answers on the device's ack topic only after the database commit. Messages of
 * one device are handled one after another, in the order they came.
 */
export async function connectDeviceLink(
  orm: MikroORM,
  placements: GroupCommit,
  logger: Logger,
  options: LinkOptions,
): Promise<DeviceLink> {
  const client: MqttClient = withoutNagle(
    await mqtt.connectAsync(options.url, {
      username: options.username,
      password: options.password,
      clientId: `custody-server-${process.pid}-${randomBytes(3).toString('hex')}`,
      protocolVersion: options.shared ? 5 : 4,
      clean: true,
      reconnectPeriod: 1000,
    }),
  );
  const queues = new Map<string, Promise<void>>();

  const answer = (kind: string, deviceId: string, ack: Ack) =>
    client
      .publishAsync(deviceTopic(kind, deviceId, 'ack'), JSON.stringify(ack), { qos: 1 })
      .catch((err: unknown) => logger.warn({ err, deviceId }, 'ack not sent'));

  const once =
    <M extends { msgId: string }>(
      perform: (tx: EntityManager, device: DeviceRef, message: M, receivedAt: Date) => Promise<Outcome>,
    ) =>
    (em: EntityManager, device: DeviceRef, topic: string, message: M, receivedAt: Date) =>
      exactlyOnce(em, device.id, topic, message.msgId, (tx) => perform(tx, device, message, receivedAt));
  // What each kind of device may say: a scanner's words from a locker (or a locker's from a scanner) are not handled.
  const EVENTS: Record<
    DeviceKind,
    Record<
      string,
      {
        schema: z.ZodType<{ msgId: string }>;
        answer: (em: EntityManager, device: DeviceRef, topic: string, m: never, receivedAt: Date) => Promise<Ack>;
      }
    >
  > = {
    scanner: {
      'evt/scan': {
        schema: scanMessage,
        answer: (em: EntityManager, device: DeviceRef, topic: string, m: ScanMessage, receivedAt: Date) =>
          handleScan(em, placements, device, topic, m, receivedAt),
      },
      'evt/operator': {
        schema: operatorMessage,
        answer: once((tx, device, m: OperatorMessage, receivedAt) =>
          m.action === 'sign_in'
            ? signInOperator(tx, device, m.code, receivedAt)
            : signOutOperator(tx, device, m.session, receivedAt),
        ),
      },
    },
    locker: {
      'evt/door': { schema: doorMessage, answer: answerDoor },
      'evt/occupancy': { schema: occupancyMessage, answer: answerOccupancy },
      'evt/tamper': {
        schema: tamperMessage,
        answer: once((tx, device, m: TamperMessage, receivedAt) => handleTamper(tx, device, m, receivedAt)),
      },
    },
  };

  async function handle(topic: string, payload: Buffer, receivedAt: Date): Promise<void> {
    const parsed = parseTopic(topic)!;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      if (parsed.rest.startsWith('evt/'))
        await answer(parsed.kind, parsed.deviceId, {
          v: 1,
          msgId: '',
          status: 'rejected',
          reason: 'the message is not JSON',
        });
      return;
    }
    const em = orm.em.fork();
    const device = await findActiveDevice(em, parsed.deviceId);
    // The embedded broker cuts off a device that publishes under another kind; Mosquitto's ACL drops it.
    if (!device || device.kind !== parsed.kind) return;
    // Presence is kept to the nearest few seconds: not one extra write per scan.
    if (!device.lastSeenAt || Date.now() - device.lastSeenAt.getTime() > 5000 || !device.online) {
      await em.nativeUpdate(Device, { id: device.id }, { lastSeenAt: new Date(), online: true });
    }
    if (parsed.rest === 'status') {
      const status = statusMessage.safeParse(body);
      if (status.success) await em.nativeUpdate(Device, { id: device.id }, { online: status.data.online });
      return;
    }
    if (parsed.rest === 'tele') {
      const reading = teleMessage.safeParse(body);
      if (reading.success) await handleTelemetry(em, device, reading.data, receivedAt);
      return;
    }
    if (parsed.rest === 'cmd/res') {
      const result = commandResult.safeParse(body);
      if (result.success && !result.data.ok) {
        // A command already spent stays spent.
        await em.execute(
          `update locker_commands set status = 'failed', result = ? where id = ? and device_id = ? and status = 'sent'`,
          [result.data.reason ?? 'failed', result.data.cmdId, device.id],
        );
      }
      return;
    }
    const handler = EVENTS[device.kind][parsed.rest];
    if (!handler) {
      logger.debug({ topic }, 'device message without a handler');
      return;
    }
    const msgId = typeof (body as { msgId?: unknown })?.msgId === 'string' ? (body as { msgId: string }).msgId : '';
    // As on every HTTP route: text that cannot be stored, or would print as something else, is refused.
    const unsafe = findUnsafeText(body);
    if (unsafe) {
      await answer(parsed.kind, parsed.deviceId, {
        v: 1,
        msgId: unsafeTextReason(msgId) ? '' : msgId,
        status: 'rejected',
        reason: `${unsafe.field}: ${unsafe.detail}`,
      });
      return;
    }
    const message = handler.schema.safeParse(body);
    if (!message.success) {
      const first = zodFieldErrors('body', message.error)[0]!;
      await answer(parsed.kind, parsed.deviceId, {
        v: 1,
        msgId,
        status: 'rejected',
        reason: `${first.field}: ${first.detail}`,
      });
      return;
    }
    const answerOf = handler.answer as (
      em: EntityManager,
      device: DeviceRef,
      topic: string,
      m: typeof message.data,
      receivedAt: Date,
    ) => Promise<Ack>;
    await answer(parsed.kind, parsed.deviceId, await answerOf(em, device, topic, message.data, receivedAt));
  }

  client.on('message', (topic, payload) => {
    const deviceId = parseTopic(topic)?.deviceId;
    if (!deviceId) return;
    // The server's clock judges a message's time (an unlock command's expiry, a scan's device time) as it arrives.
    const receivedAt = new Date();
    const previous = queues.get(deviceId) ?? Promise.resolve();
    const next = previous
      .then(() => handle(topic, payload, receivedAt))
      // Unanswered on purpose: the device sends the message again and it is handled then.
      .catch((err: unknown) => logger.error({ err, topic }, 'device message not handled'));
    queues.set(deviceId, next);
    void next.finally(() => queues.get(deviceId) === next && queues.delete(deviceId));
  });
  const topics = [
    `${TOPIC_ROOT}/+/+/evt/#`,
    `${TOPIC_ROOT}/+/+/tele`,
    `${TOPIC_ROOT}/+/+/status`,
    `${TOPIC_ROOT}/+/+/cmd/res`,
  ];
  await client.subscribeAsync(options.shared ? topics.map((t) => `$share/custody/${t}`) : topics, { qos: 1 });
  logger.info({ shared: options.shared }, 'listening to devices');
  return {
    command: async (kind, deviceId, name, payload) => {
      await client.publishAsync(deviceTopic(kind, deviceId, `cmd/${name}`), JSON.stringify(payload), {
        qos: 1,
        retain: false,
      });
    },
    close: () => client.endAsync(),
  };
}
