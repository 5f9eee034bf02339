import type { Config } from '../config';
import { TOPIC_ROOT } from './topics';

type BrokerConfig = Pick<Config, 'mqttUrl' | 'mqttHost' | 'mqttPort' | 'mqttTls' | 'mqttWsPort'>;

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Where a device connects to the broker, most secure first: the external broker's URL without the server's
 * own credentials, or each listener of the embedded broker. An embedded broker listening on every address is
 * named as the console's user reached this server (`requestHost`), which is how a device on their network
 * reaches it too; one on a single address is named by it. A broker on port 0 (any free port, in tests) has
 * no address to give.
 */
export function brokerAddresses(config: BrokerConfig, requestHost: string): { urls: string[]; topicRoot: string } {
  if (config.mqttUrl) {
    const url = new URL(config.mqttUrl);
    url.username = '';
    url.password = '';
    return { urls: [url.toString().replace(/\/$/, '')], topicRoot: TOPIC_ROOT };
  }
  const host = WILDCARDS.has(config.mqttHost) ? requestHost : config.mqttHost;
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const urls: string[] = [];
  if (config.mqttTls) urls.push(`mqtts://${name}:${config.mqttTls.port}`);
  if (config.mqttPort !== 0) urls.push(`mqtt://${name}:${config.mqttPort}`);
  if (config.mqttWsPort) urls.push(`ws://${name}:${config.mqttWsPort}`);
  return { urls, topicRoot: TOPIC_ROOT };
}
