import fs from 'node:fs';
import net from 'node:net';

// The kernel takes the local ports of outgoing connections from its ephemeral range. A port from there that
// was free a moment ago can be taken by one of the run's own connections (to PostgreSQL, between Chromium and
// a server) in the seconds before the server that was to listen on it has started; below the range, only
// another listener can take it.
function ephemeralStart(): number {
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Number(low) || 32768;
  } catch {
    return 32768;
  }
}
const LOW = 20000;
const HIGH = Math.max(LOW + 1000, ephemeralStart() - 1);
const given = new Set<number>();

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A TCP port outside the ephemeral range that was free a moment ago, for a server a test starts. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (given.has(port)) continue;
    if (await bindable(port)) {
      given.add(port);
      return port;
    }
  }
}
