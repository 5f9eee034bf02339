import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';

/** Asks the API, as the user whose bearer header this is, for a code to sign in at a scanner. */
export async function operatorCode(api: string, auth: string, deviceId: string): Promise<string> {
  const res = await fetch(`${api}/devices/${deviceId}/operator-session`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 201) throw new Error(`operator session: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { code: string }).code;
}

/** Publishes one evt/operator message from a station already subscribed to its acks, and waits for the ack. */
export function operatorMessage(
  client: MqttClient,
  device: { topic: string },
  body: object,
): Promise<Record<string, unknown>> {
  const msgId = `operator-${randomUUID()}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${msgId}`)), 10_000);
    timer.unref();
    const onMessage = (_topic: string, payload: Buffer) => {
      const ack = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (ack.msgId !== msgId) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(ack);
    };
    client.on('message', onMessage);
    void client.publishAsync(
      `${device.topic}evt/operator`,
      JSON.stringify({ v: 1, msgId, seq: 0, bootId: 'operator', deviceTime: new Date().toISOString(), ...body }),
      { qos: 1 },
    );
  });
}

/**
 * Signs a warehouse user in at a scanner as a station does: the user gets a code from the API with their own
 * token and the station sends it. Resolves with the session id the station then puts in every scan.
 */
export async function signInAt(
  api: string,
  auth: string,
  client: MqttClient,
  device: { id: string; topic: string },
): Promise<string> {
  const code = await operatorCode(api, auth, device.id);
  const ack = await operatorMessage(client, device, { action: 'sign_in', code });
  if (ack.status !== 'committed') throw new Error(`sign-in at ${device.id}: ${JSON.stringify(ack)}`);
  return (ack.session as { id: string }).id;
}
