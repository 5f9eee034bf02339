import dns from 'node:dns';
import net from 'node:net';
import { ValidationError } from '../../errors';

/**
 * Where a webhook may be delivered: receivers are outside the centre's network, so an address on loopback,
 * link-local, a private or shared range, or one that is not a unicast address at all is refused (a
 * subscription must not reach into the centre's own services), unless WEBHOOK_ALLOW_PRIVATE says otherwise.
 * Every address a name resolves to is checked when it is connected to, not only when the subscription is
 * made, so that a name that later resolves elsewhere is refused too.
 */
const BLOCKED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(prefix, bits, 'ipv6');

/** Whether an address is one a receiver outside the centre cannot have. */
export function isInternalAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 one.
    const mapped = address.toLowerCase().match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/)?.[1];
    if (mapped) return BLOCKED.check(mapped, 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return BLOCKED.check(address, 'ipv4');
}

const refused = (detail: string) => new ValidationError(`body url: ${detail}`, [{ in: 'body', field: 'url', detail }]);

/** Checks a receiver's URL as it is given: http or https, no credentials in it, and outside the centre. */
export async function checkDestination(url: string, allowInternal: boolean): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused('must be an absolute http:// or https:// URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw refused('must be an http:// or https:// URL');
  if (parsed.username || parsed.password)
    throw refused('must not hold credentials: each delivery is signed with the subscription’s secret');
  if (allowInternal) return parsed;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host)
    ? [host]
    : await dns.promises.lookup(host, { all: true }).then(
        (found) => found.map((a) => a.address),
        () => {
          throw refused(`its host ${host} does not resolve`);
        },
      );
  const inside = addresses.find(isInternalAddress);
  if (inside)
    throw refused(`its host ${host} is ${inside}, inside the centre's network (loopback, link-local or private)`);
  return parsed;
}

/**
 * A `lookup` for http.request that refuses internal addresses at connection time. A host written as an
 * address is not looked up: checkAtConnect judges it before the request.
 */
export function guardedLookup(allowInternal: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, '', 0);
      const addresses = found as dns.LookupAddress[];
      const inside = allowInternal ? undefined : addresses.find((a) => isInternalAddress(a.address));
      if (inside)
        return callback(new Error(`${hostname} resolves to ${inside.address}, inside the centre's network`), '', 0);
      if ((options as dns.LookupOptions).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
