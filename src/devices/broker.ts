import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { timingSafeEqual } from 'node:crypto';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { CONNECTION_LIMITS, guardConnection } from './guard';
import { checkDeviceCredentials } from './registry';
import { devicePublishAllowed, deviceSubscribeAllowed, parseTopic } from './topics';

export interface EmbeddedBroker {
  port: number;
  /** Cuts a device off at once (disabled, or its password rotated). */
  disconnect(deviceId: string): void;
  close(): Promise<void>;
}

export interface BrokerOptions {
  orm: MikroORM;
  logger: Logger;
  host: string;
  port: number;
  /** Also listen with TLS (PEM file paths), and for MQTT over WebSocket. */
  tls?: { port: number; cert: string; key: string };
  wsPort?: number;
  /** The server's own client: the only one allowed outside the device prefixes. */
  service: { username: string; password: string };
}

const refusal = (message: string, returnCode: number): AuthenticateError =>
  Object.assign(new Error(message), { returnCode }) as AuthenticateError;

/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1). Each device signs in with its id and password, must use its
 * id as client id, and may publish and subscribe only under its own topic prefix (its kind and its id).
 * Every connection is bounded before aedes buffers anything (CONNECTION_LIMITS).
 */
export async function startEmbeddedBroker({
  orm,
  logger,
  host,
  port,
  service,
  tls: tlsOptions,
  wsPort,
}: BrokerOptions): Promise<EmbeddedBroker> {
  // Clients that signed in with the service account (any client id: one per server process).
  const services = new WeakSet<object>();
  // Each device's kind, from its registration: it may use only its own kind's prefix.
  const kinds = new WeakMap<object, string>();
  // Connections that have authenticated, for the guard's limits (see guardConnection).
  const authenticated = new WeakSet<object>();
  const ownPrefix = (client: Client, topic: string) => {
    const parsed = parseTopic(topic);
    return parsed !== null && parsed.deviceId === client.id && parsed.kind === kinds.get(client) ? parsed : null;
  };
  const broker = await Aedes.createBroker({
    connectTimeout: CONNECTION_LIMITS.authMs,
    authenticate: (client, username, password, done) => {
      const secret = password?.toString() ?? '';
      if (username === service.username) {
        const ok =
          secret.length === service.password.length &&
          timingSafeEqual(Buffer.from(secret), Buffer.from(service.password));
        if (ok) {
          services.add(client);
          authenticated.add(client.conn);
        }
        done(ok ? null : refusal('bad credentials', 4), ok);
        return;
      }
      if (!username || client.id !== username) {
        done(refusal('a device signs in with its id as both username and client id', 2), false);
        return;
      }
      checkDeviceCredentials(orm.em.fork(), username, secret).then(
        (device) => {
          if (device) {
            kinds.set(client, device.kind);
            authenticated.add(client.conn);
          }
          done(device ? null : refusal('bad credentials or disabled device', 4), device !== null);
        },
        (err: unknown) => {
          logger.error({ err }, 'device authentication failed');
          done(refusal('server unavailable', 3), false);
        },
      );
    },
    authorizePublish: (client, packet, callback) => {
      if (!client || services.has(client)) return callback(null);
      const topic = ownPrefix(client, packet.topic);
      const ok = topic !== null && devicePublishAllowed(topic.rest);
      callback(ok ? null : new Error(`device ${client.id} may not publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, subscription, callback) => {
      if (services.has(client)) return callback(null, subscription);
      const topic = ownPrefix(client, subscription.topic);
      const ok = topic !== null && deviceSubscribeAllowed(topic.rest);
      // A refused subscription is granted 0x80 (failure) rather than cutting the device off.
      if (!ok) logger.warn({ deviceId: client.id, topic: subscription.topic }, 'subscription refused');
      callback(null, ok ? subscription : null);
    },
  });
  // aedes reports some failures as 'error' events on itself; unheard, one would end the process.
  (broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => logger.error({ err }, 'MQTT broker error'));
  broker.on('clientError', (client: { id: string }, err: Error) =>
    logger.debug({ clientId: client?.id, err: err.message }, 'MQTT client error'),
  );
  // No Nagle delay: acknowledgements are small and a scanner waits for each one.
  const handle = broker.handle as (stream: Duplex, request?: IncomingMessage) => void;
  const guard = (stream: Duplex) =>
    guardConnection(
      stream,
      () => authenticated.has(stream),
      (reason) =>
        logger.warn({ clientId: (stream as { client?: { id?: string } }).client?.id, reason }, 'MQTT connection cut'),
    );
  const onSocket = (socket: net.Socket) => {
    socket.setNoDelay(true);
    guard(socket);
    handle(socket);
  };
  const listen = (server: net.Server | tls.Server, at: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, host, () => resolve((server.address() as net.AddressInfo).port));
    });
  const server = net.createServer(onSocket);
  const actual = await listen(server, port);
  const servers: (net.Server | tls.Server | http.Server)[] = [server];
  if (tlsOptions) {
    const secure = tls.createServer(
      { cert: fs.readFileSync(tlsOptions.cert), key: fs.readFileSync(tlsOptions.key) },
      onSocket,
    );
    logger.info({ port: await listen(secure, tlsOptions.port) }, 'embedded MQTT broker listening with TLS');
    servers.push(secure);
  }
  if (wsPort !== undefined) {
    const web = http.createServer();
    // A WebSocket message is buffered whole before the stream sees it: bound it to one packet too.
    new WebSocketServer({ server: web, maxPayload: CONNECTION_LIMITS.packetBytes + 8 }).on(
      'connection',
      (socket, request) => {
        const stream = createWebSocketStream(socket);
        guard(stream);
        handle(stream, request);
      },
    );
    logger.info({ port: await listen(web, wsPort) }, 'embedded MQTT broker listening for WebSocket');
    servers.push(web);
  }
  logger.info({ port: actual }, 'embedded MQTT broker listening');
  return {
    port: actual,
    disconnect: (deviceId) => {
      const clients = (broker as unknown as { clients: Record<string, { close(): void }> }).clients;
      clients[deviceId]?.close();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of servers) s.close();
        broker.close(() => resolve());
      }),
  };
}
