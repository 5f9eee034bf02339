import mqtt, { type MqttClient } from 'mqtt';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { zodFieldErrors } from '../errors';
import type { Ack } from './messages';
import { scanMessage } from './messages';
import { handleScan } from './scanner';
import { deviceTopic, parseTopic, TOPIC_ROOT } from './topics';

export interface DeviceLink {
  close(): Promise<void>;
}

/**
 * The server's side of the device protocol: subscribes to every device's events, turns each into the same
 * command the API uses, and answers on the device's ack topic only after the database commit. Messages of
 * one device are handled one after another, in the order they came.
 */
export async function connectDeviceLink(orm: MikroORM, logger: Logger, url: string, credentials: { username: string; password: string }): Promise<DeviceLink> {
  const client: MqttClient = await mqtt.connectAsync(url, { ...credentials, clientId: `custody-server-${process.pid}`, clean: true, reconnectPeriod: 1000 });
  const queues = new Map<string, Promise<void>>();

  const answer = (kind: string, deviceId: string, ack: Ack) =>
    client.publishAsync(deviceTopic(kind, deviceId, 'ack'), JSON.stringify(ack), { qos: 1 }).catch((err: unknown) => logger.warn({ err, deviceId }, 'ack not sent'));

  async function handle(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseTopic(topic)!;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      await answer(parsed.kind, parsed.deviceId, { v: 1, msgId: '', status: 'rejected', reason: 'the message is not JSON' });
      return;
    }
    if (parsed.rest !== 'evt/scan') {
      logger.debug({ topic }, 'device event without a handler yet');
      return;
    }
    const scan = scanMessage.safeParse(body);
    if (!scan.success) {
      const first = zodFieldErrors('body', scan.error)[0]!;
      const msgId = typeof (body as { msgId?: unknown })?.msgId === 'string' ? (body as { msgId: string }).msgId : '';
      await answer(parsed.kind, parsed.deviceId, { v: 1, msgId, status: 'rejected', reason: `${first.field}: ${first.detail}` });
      return;
    }
    const ack = await handleScan(orm.em.fork(), parsed.deviceId, topic, scan.data);
    await answer(parsed.kind, parsed.deviceId, ack);
  }

  client.on('message', (topic, payload) => {
    const deviceId = parseTopic(topic)?.deviceId;
    if (!deviceId) return;
    const previous = queues.get(deviceId) ?? Promise.resolve();
    const next = previous
      .then(() => handle(topic, payload))
      // Unanswered on purpose: the device sends the message again and it is handled then.
      .catch((err: unknown) => logger.error({ err, topic }, 'device message not handled'));
    queues.set(deviceId, next);
    void next.finally(() => queues.get(deviceId) === next && queues.delete(deviceId));
  });
  await client.subscribeAsync(`${TOPIC_ROOT}/+/+/evt/#`, { qos: 1 });
  logger.info('listening to devices');
  return { close: () => client.endAsync() };
}
