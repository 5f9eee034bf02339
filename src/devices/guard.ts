import type { Duplex } from 'node:stream';

/** What one connection to the embedded broker may send, before and after it has authenticated. */
export const CONNECTION_LIMITS = {
  /** Every byte before authentication: a CONNECT with its id, credentials and last will is far smaller. */
  beforeAuthBytes: 4 * 1024,
  /** One packet after it: the largest device message (a door event with 50 item codes) is a few KiB. */
  packetBytes: 64 * 1024,
  /** From the first byte (after the TLS handshake) to a successful authentication. */
  authMs: 10_000,
} as const;

/**
 * Reads MQTT's framing on a connection's bytes as the broker reads them: each packet's fixed header (a type
 * byte, then its remaining length in one to four bytes of 7 bits). Says no as soon as a header announces
 * more than the limit, so that aedes, which buffers a packet until it is whole, never holds more than that.
 */
class Framing {
  private at: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private shift = 0;
  private left = 0;

  accepts(chunk: Buffer, limit: number): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.at === 'body') {
        const take = Math.min(this.left, chunk.length - i);
        this.left -= take;
        i += take;
        if (this.left === 0) this.at = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.at === 'type') {
        [this.at, this.length, this.shift] = ['length', 0, 0];
        continue;
      }
      this.length += (byte & 0x7f) * 2 ** this.shift;
      this.shift += 7;
      if (this.length > limit) return false;
      if (byte & 0x80) {
        if (this.shift >= 28) return false; // a fifth length byte: not MQTT
        continue;
      }
      this.left = this.length;
      this.at = this.left === 0 ? 'type' : 'body';
    }
    return true;
  }
}

/**
 * Bounds a connection before it reaches aedes: until `authenticated()` it may send `beforeAuthBytes` in all
 * and must authenticate within `authMs`; after, each packet may be `packetBytes`. A connection over a bound
 * is destroyed at once. aedes reads its connection with `read()`, which is where the bytes are counted.
 */
export function guardConnection(
  stream: Duplex,
  authenticated: () => boolean,
  cut: (reason: string) => void,
  limits = CONNECTION_LIMITS,
): void {
  const framing = new Framing();
  let before = 0;
  const refuse = (reason: string) => {
    cut(reason);
    stream.destroy();
  };
  const deadline = setTimeout(() => authenticated() || refuse('not authenticated in time'), limits.authMs);
  deadline.unref();
  stream.once('close', () => clearTimeout(deadline));
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    const chunk = read(size) as Buffer | null;
    if (!chunk || stream.destroyed) return chunk;
    const signedIn = authenticated();
    if (!signedIn) before += chunk.length;
    if (before > limits.beforeAuthBytes && !signedIn) refuse('too many bytes before authentication');
    else if (!framing.accepts(chunk, signedIn ? limits.packetBytes : limits.beforeAuthBytes))
      refuse('packet too large');
    return stream.destroyed ? null : chunk;
  };
}
