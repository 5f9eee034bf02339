import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, UnprocessableError } from '../errors';
import { loadCaller, type Caller } from '../custody/directory/caller';
import { parseItemCode } from '../custody/items/item-code';
import { appendEvents, lockItems, type AppendedEvent, type DeviceOrigin } from '../custody/ledger/append';
import { Location } from '../custody/directory/location.entity';
import { fromDevice, lockerDeposit, lockerRetrieve } from '../custody/items/movements';
import { Alert } from '../custody/items/records.entity';
import { confirmPerson, type Person } from '../custody/directory/sign-in';
import { Device, type DeviceRef } from './device.entity';
import { keepCompartmentState, reportedAt } from './locker-state';
import { originOf, type Ack, type DoorMessage, type OccupancyMessage, type TamperMessage } from './messages';
import { duplicateOf, exactlyOnce, recordedAnswer, type Outcome } from './once';

/** Readings outside these ranges (°C) raise an alert, by what the compartment's location provides. */
export const COLD_RANGE = { min: 2, max: 8 } as const;

async function callerById(em: EntityManager, id: string): Promise<Caller> {
  const caller = await loadCaller(em, { id });
  if (!caller) throw new UnprocessableError('that user is no longer active');
  return caller;
}

/** The compartment a message names, which must belong to this locker. */
async function compartmentOf(em: EntityManager, device: DeviceRef, code: string): Promise<Location> {
  const compartment = await em.findOne(Location, { code, kind: 'compartment', parentId: device.locationId });
  if (!compartment) throw new UnprocessableError(`compartment ${code} is not part of this locker`);
  return compartment;
}

/**
 * An alert about a compartment: written to the ledger of every item in it (so each history shows it), and
 * listed as an open alert when `live`: by default unless the message was buffered and replayed (a stale
 * state is history, not news).
 */
export async function raiseCompartmentAlert(
  tx: EntityManager,
  device: DeviceRef,
  compartment: Location | null,
  kind: string,
  message: string,
  origin?: DeviceOrigin,
  live = !origin?.replayed,
): Promise<Outcome> {
  const codes = compartment
    ? (
        await tx.execute<{ code: string }[]>(`select code from items where location_id = ? and state = 'in_locker'`, [
          compartment.id,
        ])
      ).map((r) => r.code)
    : [];
  const items = await lockItems(tx, codes);
  await appendEvents(
    tx,
    items.map((item) => {
      const from = fromDevice(origin, item);
      return {
        item,
        type: 'alert' as const,
        actor: null,
        device: device.id,
        ...from.envelope,
        to: item.state,
        payload: { kind, message, ...from.payload },
      };
    }),
  );
  if (live) {
    tx.create(Alert, {
      kind,
      itemId: null,
      locationId: compartment?.id ?? device.locationId ?? null,
      deviceId: device.id,
      message,
    });
    await tx.flush();
  }
  return { reason: `alert raised: ${message}` };
}

/**
 * A door message, handled exactly once. The officer's credentials of a front-door deposit are checked first,
 * outside the message's transaction: the sign-in throttle may hold the attempt for seconds, and it counts
 * failures per locker (its own address), so wrong credentials at one locker slow only that one. The door's
 * state is kept in the message's transaction, even when the deposit it carries is refused: the door is open.
 */
export async function answerDoor(
  em: EntityManager,
  device: DeviceRef,
  topic: string,
  door: DoorMessage,
  receivedAt: Date,
): Promise<Ack> {
  const first = await recordedAnswer(em, device.id, door.msgId);
  if (first) return duplicateOf(first);
  const depositor =
    door.side === 'front' && door.state === 'open' && door.credential && door.itemCodes?.length
      ? await confirmPerson(em, { ...door.credential, address: `locker:${device.id}` }).catch((err: unknown) => {
          if (err instanceof AppError) return null;
          throw err;
        })
      : null;
  return exactlyOnce(
    em,
    device.id,
    topic,
    door.msgId,
    (tx) => handleDoor(tx, device, door, depositor, originOf(device, door, receivedAt)),
    (tx) =>
      keepCompartmentState(
        tx,
        device,
        door.compartment,
        { door: door.side, state: door.state },
        reportedAt(door.deviceTime, receivedAt),
      ),
  );
}

/**
 * A door opened or closed. A front door opened by an officer who confirmed with their credentials deposits
 * the items they scanned; a back door opened by a live unlock command is a retrieval by the warehouse user
 * who asked; any other opening is a forced door.
 */
async function handleDoor(
  tx: EntityManager,
  device: DeviceRef,
  door: DoorMessage,
  depositor: Person | null,
  origin: DeviceOrigin,
): Promise<Outcome> {
  const compartment = await compartmentOf(tx, device, door.compartment);
  if (door.state === 'closed') return { reason: 'closed' };
  if (
    door.side === 'front' &&
    door.itemCodes?.length &&
    depositor?.roles.some((r) => r === 'officer' || r === 'clerk')
  ) {
    const officer = await callerById(tx, depositor.id);
    const events: AppendedEvent[] = [];
    for (const code of door.itemCodes)
      events.push(await lockerDeposit(tx, officer, parseItemCode(code), compartment.code, origin));
    return {
      reason: `${events.length} deposited`,
      event: { index: events.at(-1)!.index, leafHash: events.at(-1)!.leafHash },
    };
  }
  if (door.side === 'back' && door.cmdId) {
    const opened = await openedByCommand(tx, device, compartment, door.cmdId, origin);
    if (opened) return opened;
  }
  return raiseCompartmentAlert(
    tx,
    device,
    compartment,
    'forced_door',
    `the ${door.side} door of ${compartment.code} opened without a valid credential or command`,
    origin,
  );
}

/**
 * A back door opened by an unlock command: a command is spent by the first message that names it, and is
 * live only if it had not expired when that message arrived, by the server's clock (the device's clock says
 * nothing here). A spent command named again, or a late one, is refused and raised as an alert, live even if
 * the locker says it replays it, and nothing is done in the name of the user who asked for it.
 * Null when no command of this compartment has that id.
 */
async function openedByCommand(
  tx: EntityManager,
  device: DeviceRef,
  compartment: Location,
  cmdId: string,
  origin: DeviceOrigin,
): Promise<Outcome | null> {
  const [command] = await tx.execute<{ requested_by: string; status: string; expires_at: string; live: boolean }[]>(
    `select requested_by, status, expires_at, expires_at > ?::timestamptz as live from locker_commands where id = ? and device_id = ? and compartment_id = ? for update`,
    [origin.receivedAt, cmdId, device.id, compartment.id],
  );
  if (!command) return null;
  if (command.status === 'sent' && command.live) {
    const keeper = await callerById(tx, command.requested_by);
    const codes = (
      await tx.execute<{ code: string }[]>(`select code from items where location_id = ? and state = 'in_locker'`, [
        compartment.id,
      ])
    ).map((r) => r.code);
    for (const code of codes) await lockerRetrieve(tx, keeper, code, origin);
    await tx.execute(`update locker_commands set status = 'done', spent_at = ? where id = ?`, [
      origin.receivedAt,
      cmdId,
    ]);
    return { reason: `${codes.length} retrieved` };
  }
  let why: string;
  if (command.status === 'sent') {
    why = `expired at ${new Date(command.expires_at).toISOString()}`;
    await tx.execute(`update locker_commands set status = 'expired', spent_at = ? where id = ?`, [
      origin.receivedAt,
      cmdId,
    ]);
  } else {
    why = command.status === 'failed' ? `was reported failed by the locker` : `was already used (${command.status})`;
  }
  const message = `the back door of ${compartment.code} opened by unlock command ${cmdId}, which ${why}`;
  await raiseCompartmentAlert(tx, device, compartment, 'unlock_refused', message, origin, true);
  return { status: 'rejected', reason: `refused, alert raised: unlock command ${why}` };
}

/** An occupancy message, handled exactly once; what the sensor says is kept in the message's transaction. */
export function answerOccupancy(
  em: EntityManager,
  device: DeviceRef,
  topic: string,
  message: OccupancyMessage,
  receivedAt: Date,
): Promise<Ack> {
  return exactlyOnce(
    em,
    device.id,
    topic,
    message.msgId,
    (tx) => handleOccupancy(tx, device, message, receivedAt),
    (tx) =>
      keepCompartmentState(
        tx,
        device,
        message.compartment,
        { occupied: message.occupied },
        reportedAt(message.deviceTime, receivedAt),
      ),
  );
}

async function handleOccupancy(
  tx: EntityManager,
  device: DeviceRef,
  message: OccupancyMessage,
  receivedAt: Date,
): Promise<Outcome> {
  const compartment = await compartmentOf(tx, device, message.compartment);
  if (!message.doorClosed) return { reason: 'noted' };
  return raiseCompartmentAlert(
    tx,
    device,
    compartment,
    'occupancy_changed',
    `${compartment.code} became ${message.occupied ? 'occupied' : 'empty'} behind a closed door`,
    originOf(device, message, receivedAt),
  );
}

export async function handleTamper(
  tx: EntityManager,
  device: DeviceRef,
  message: TamperMessage,
  receivedAt: Date,
): Promise<Outcome> {
  const compartment = message.compartment ? await compartmentOf(tx, device, message.compartment) : null;
  return raiseCompartmentAlert(
    tx,
    device,
    compartment,
    'tamper',
    `tamper (${message.kind}) at ${compartment?.code ?? device.code}`,
    originOf(device, message, receivedAt),
  );
}

/**
 * A reading is kept as the compartment's state (unless a later one is kept already); one out of range for a
 * cold compartment raises one alert until it is resolved, in the same transaction.
 */
export async function handleTelemetry(
  em: EntityManager,
  device: DeviceRef,
  reading: { compartment: string; deviceTime: string; temperature?: number; humidity?: number },
  receivedAt: Date,
): Promise<void> {
  const { temperature, humidity } = reading;
  if (temperature === undefined && humidity === undefined) return;
  await em.transactional(async (tx) => {
    const at = reportedAt(reading.deviceTime, receivedAt);
    if (!(await keepCompartmentState(tx, device, reading.compartment, { temperature, humidity }, at))) return;
    if (temperature === undefined || (temperature >= COLD_RANGE.min && temperature <= COLD_RANGE.max)) return;
    const compartment = await tx.findOne(Location, { code: reading.compartment, parentId: device.locationId });
    if (!compartment) return;
    const chain = await tx.find(Location, { id: { $in: compartment.path.split('/').filter(Boolean) } });
    if (!chain.some((l) => l.features.includes('cold'))) return;
    await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`alert:${compartment.id}`]);
    if (await tx.count(Alert, { kind: 'temperature', locationId: compartment.id, status: 'open' })) return;
    await raiseCompartmentAlert(
      tx,
      device,
      compartment,
      'temperature',
      `${compartment.code} is at ${temperature} °C, outside ${COLD_RANGE.min}–${COLD_RANGE.max} °C`,
    );
  });
}

/** Records an unlock command; the caller publishes it. It is valid until `expiresAt`, then it does nothing. */
export async function createUnlockCommand(
  em: EntityManager,
  caller: Caller,
  deviceId: string,
  compartmentCode: string,
  ttlSeconds: number,
) {
  const device = await em.findOne(Device, { id: deviceId, kind: 'locker', active: true });
  if (!device) throw new UnprocessableError(`${deviceId} is not an active locker`);
  const compartment = await compartmentOf(em, device, compartmentCode);
  const id = randomUUID();
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  // A transaction even for one insert: a request's Idempotency-Key is marked carried out when one commits.
  await em.transactional((tx) =>
    tx.execute(
      'insert into locker_commands (id, device_id, compartment_id, requested_by, expires_at) values (?, ?, ?, ?, ?)',
      [id, device.id, compartment.id, caller.id, expiresAt],
    ),
  );
  return {
    device,
    command: {
      v: 1 as const,
      cmdId: id,
      compartment: compartment.code,
      side: 'back' as const,
      expiresAt: expiresAt.toISOString(),
    },
  };
}
