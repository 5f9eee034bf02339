/** Device topics: custody/v1/{kind}/{deviceId}/{evt/<type> | tele | status | ack | cmd/<name> | cmd/res}. */
export const TOPIC_ROOT = 'custody/v1';

export interface DeviceTopic {
  kind: string;
  deviceId: string;
  /** What follows the device's prefix, e.g. `evt/scan`. */
  rest: string;
}

export function parseTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length < 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  return { kind: parts[2]!, deviceId: parts[3]!, rest: parts.slice(4).join('/') };
}

export const deviceTopic = (kind: string, deviceId: string, rest: string) =>
  `${TOPIC_ROOT}/${kind}/${deviceId}/${rest}`;

/** What a device may publish under its own prefix, and what it may subscribe to. */
export function devicePublishAllowed(rest: string): boolean {
  return /^evt\/[a-z_]{1,32}$/.test(rest) || rest === 'tele' || rest === 'status' || rest === 'cmd/res';
}

export function deviceSubscribeAllowed(rest: string): boolean {
  return rest === 'ack' || rest === 'cmd/#' || /^cmd\/[a-z_]{1,32}$/.test(rest);
}
