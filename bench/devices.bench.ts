import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { loadCaller } from '../src/custody/directory/caller';
import { createLocation } from '../src/custody/directory/locations';
import { startEmbeddedBroker } from '../src/devices/broker';
import { connectDeviceLink, withoutNagle } from '../src/devices/link';
import { GroupCommit } from '../src/custody/items/group-commit';
import { deviceMessages } from '../src/devices/once';
import { openOperatorCode } from '../src/devices/operators';
import { registerDevice } from '../src/devices/registry';
import { analyze, percentile, receive, registerMany, type BenchDb } from './fixture';
import type { Figure } from './table';

/** Sends `count` messages at a steady `rate` per second and returns each one's round-trip time in ms. */
async function steady(count: number, rate: number, send: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    pending.push(send(i).then(() => void latencies.push(performance.now() - sent)));
  }
  await Promise.all(pending);
  return latencies.sort((a, b) => a - b);
}

/** Waits for answers keyed by id on one client. */
function answers(client: MqttClient, key: (payload: Buffer) => string) {
  const waiting = new Map<string, (payload: Buffer) => void>();
  client.on('message', (_topic, payload) => {
    const id = key(payload);
    waiting.get(id)?.(payload);
    waiting.delete(id);
  });
  return (id: string) => new Promise<Buffer>((resolve) => waiting.set(id, resolve));
}

/**
 * Scan-to-ack latency through the embedded broker at a steady 50 and 200 scans/s (every scan a check-in of its
 * own item, committed before the ack), against a bare publish/answer round trip through the same broker.
 */
export async function benchDevices(db: BenchDb): Promise<Figure[]> {
  const em = () => db.orm.em.fork();
  const service = { username: 'custody-server', password: randomBytes(16).toString('hex') };
  const logger = pino({ level: 'warn' });
  const broker = await startEmbeddedBroker({ orm: db.orm, logger, host: '127.0.0.1', port: 0, service });
  const link = await connectDeviceLink(db.orm, new GroupCommit(db.orm, deviceMessages), logger, {
    url: `mqtt://127.0.0.1:${broker.port}`,
    ...service,
    shared: false,
  });
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const figures: Figure[] = [];
  try {
    await em().execute(
      `insert into users (id, username, display_name, agency_id, roles, password_hash) values (gen_random_uuid(), 'bench-keeper', 'Bench keeper', ?, '{warehouse}', 'x')`,
      [db.actor.agencyId],
    );
    await createLocation(em(), { code: 'BENCH-SITE', name: 'Bench', kind: 'site' });
    await createLocation(em(), { code: 'BENCH-ROOM', name: 'Bench room', kind: 'room', parentCode: 'BENCH-SITE' });
    // Ten check-in stations share the load: one device's scans are handled in order, one after another.
    const stations = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        registerDevice(em(), {
          code: `BENCH-SCANNER-${i}`,
          kind: 'scanner',
          mode: 'check_in',
          locationCode: 'BENCH-ROOM',
        }),
      ),
    );

    // The bare round trip: one client asks, the server's account answers at once.
    const echo = withoutNagle(await mqtt.connectAsync(url, { ...service, clientId: 'bench-echo' }));
    await echo.subscribeAsync('bench/req', { qos: 1 });
    echo.on('message', (_topic, payload) => void echo.publishAsync('bench/res', payload, { qos: 1 }));
    const asker = withoutNagle(await mqtt.connectAsync(url, { ...service, clientId: 'bench-asker' }));
    await asker.subscribeAsync('bench/res', { qos: 1 });
    const echoed = answers(asker, (payload) => payload.toString());

    // The keeper signs in at each station with a code, as at a real one; every scan names that session.
    const keeper = (await loadCaller(em(), { username: 'bench-keeper' }))!;
    const scanners = await Promise.all(
      stations.map(async ({ device, password }) => {
        const client = withoutNagle(
          await mqtt.connectAsync(url, { clientId: device.id, username: device.id, password }),
        );
        await client.subscribeAsync(`custody/v1/scanner/${device.id}/ack`, { qos: 1 });
        const acked = answers(client, (payload) => JSON.parse(payload.toString()).msgId);
        const { code } = await openOperatorCode(em(), keeper, device.id, 3600);
        const signedIn = acked('sign-in');
        await client.publishAsync(
          `custody/v1/scanner/${device.id}/evt/operator`,
          JSON.stringify({
            v: 1,
            msgId: 'sign-in',
            seq: 0,
            bootId: 'bench',
            deviceTime: new Date().toISOString(),
            action: 'sign_in',
            code,
          }),
          { qos: 1 },
        );
        const session = (JSON.parse((await signedIn).toString()) as { session: { id: string } }).session.id;
        return { device, client, acked, session };
      }),
    );
    const statuses: string[] = [];

    // A first second at 50/s, not measured: the code paths are compiled before the figures are taken.
    const phases = [
      [50, 1, false],
      [50, 4, true],
      [200, 4, true],
    ] as const;
    for (const [phase, [rate, seconds, measured]] of phases.entries()) {
      const count = rate * seconds;
      const items = await receive(db, await registerMany(db, count));
      await analyze(db);
      // A running server's pool is warm; opening connections (SCRAM authentication) is not part of a scan.
      await Promise.all(
        Array.from({ length: 15 }, () => em().transactional((tx) => tx.execute('select pg_sleep(0.05)'))),
      );
      global.gc?.();
      const bare = await steady(count, rate, async (i) => {
        const id = `${phase}-${i}`;
        const answer = echoed(id);
        await asker.publishAsync('bench/req', id, { qos: 1 });
        await answer;
      });
      const scans = await steady(count, rate, async (i) => {
        const msgId = `scan-${phase}-${i}`;
        const { device, client, acked, session } = scanners[i % scanners.length]!;
        const ack = acked(msgId);
        await client.publishAsync(
          `custody/v1/scanner/${device.id}/evt/scan`,
          JSON.stringify({
            v: 1,
            msgId,
            seq: i,
            bootId: 'bench',
            deviceTime: new Date().toISOString(),
            code: items[i]!.code,
            session,
          }),
          { qos: 1 },
        );
        statuses.push(JSON.parse((await ack).toString()).status);
      });
      const [{ n }] = (await em().execute<{ n: string }[]>(
        `select count(*) as n from ledger_events where type = 'check_in' and item_id = any (?::uuid[])`,
        [`{${items.map((i) => i.id).join(',')}}`],
      )) as [{ n: string }];
      const committed = statuses.splice(0).filter((s) => s === 'committed').length;
      const lost = count - Number(n);
      const duplicated = Number(n) - committed;
      if (!measured) continue;
      for (const [p, target] of [
        [50, undefined],
        [99, rate === 200 ? '< 30 ms' : undefined],
      ] as const) {
        figures.push({
          section: 'devices',
          name: `scan-to-ack p${p} at ${rate}/s from 10 stations (${count} scans, ${lost} lost, ${duplicated} duplicated)`,
          value: percentile(scans, p),
          unit: 'ms',
          baseline: { name: 'bare publish/answer round trip', value: percentile(bare, p) },
          target,
        });
      }
    }
    for (const client of [echo, asker, ...scanners.map((s) => s.client)]) await client.endAsync();
  } finally {
    await link.close();
    await broker.close();
  }
  return figures;
}
