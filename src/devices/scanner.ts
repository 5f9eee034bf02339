import type { EntityManager } from '@mikro-orm/postgresql';
import { AlreadyRecorded, type GroupCommit } from '../custody/items/group-commit';
import type { Sql } from '../custody/sql';
import { AppError, UnprocessableError } from '../errors';
import type { Caller } from '../custody/directory/caller';
import { parseItemCode } from '../custody/items/item-code';
import type { AppendedEvent } from '../custody/ledger/append';
import { Location } from '../custody/directory/location.entity';
import { checkInPlacement, checkOut } from '../custody/items/movements';
import { recordAuditScan } from '../custody/items/audits';
import type { DeviceRef } from './device.entity';
import { originOf, type Ack, type ScanMessage } from './messages';
import { duplicateOf, exactlyOnce, MessageReceipt, type Outcome } from './once';
import { operatorAt } from './operators';

async function approvedLoanFor(em: EntityManager, itemCode: string): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(
    `select r.id from requests r join request_items ri on ri.request_id = r.id join items i on i.id = ri.item_id
      where i.code = ? and r.kind = 'loan' and r.status = 'approved' and ri.carried_out_at is null order by r.created_at limit 1`,
    [itemCode],
  );
  if (!row) throw new UnprocessableError(`item ${itemCode} has no approved loan`);
  return row.id;
}

/**
 * Answers a scan exactly once. An item scanned at a check-in station (most scans) is checked in through
 * the group commit, its message recorded in the batch's transaction; every other scan is a transaction of
 * its own (`exactlyOnce`).
 */
export async function handleScan(
  em: EntityManager,
  placements: GroupCommit,
  device: DeviceRef,
  topic: string,
  scan: ScanMessage,
  receivedAt: Date,
): Promise<Ack> {
  const once = (perform: (tx: EntityManager) => Promise<Outcome>) =>
    exactlyOnce(em, device.id, topic, scan.msgId, perform);
  const origin = originOf(device, scan, receivedAt);
  let code: string;
  try {
    code = parseItemCode(scan.code);
  } catch (notAnItem) {
    return once(async (tx) => {
      // Only a signed-in operator sets where the next items go.
      await operatorAt(tx, device, scan, receivedAt);
      return scanLocationLabel(tx, device, scan, notAnItem);
    });
  }
  if (device.mode === 'check_out') {
    return once(async (tx) => {
      const operator = await operatorAt(tx, device, scan, receivedAt);
      return answered(
        await checkOut(tx, operator, code, {
          requestId: await approvedLoanFor(tx, code),
          condition: 'as scanned',
          origin,
        }),
        code,
        null,
      );
    });
  }
  if (device.mode !== 'check_in')
    return once(async (tx) => countForAudit(tx, device, await operatorAt(tx, device, scan, receivedAt), code));

  let station: { operator: Caller; locationCode: string };
  try {
    station = await checkInStation(em, device, await operatorAt(em, device, scan, receivedAt));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return once(() => Promise.reject(err));
  }
  const receipt = new MessageReceipt(device.id, topic, scan.msgId, (placed) =>
    answered(placed.event, code, station.locationCode),
  );
  const placement = checkInPlacement(station.operator, code, { locationCode: station.locationCode, origin });
  try {
    return receipt.answer(await placements.place(station.operator, placement, receipt));
  } catch (err) {
    if (err instanceof AlreadyRecorded) return duplicateOf(err.answer as Ack);
    if (err instanceof AppError) return receipt.answer(err);
    throw err;
  }
}

/** Where the items checked in at this station go: the last location label scanned, or its own. */
async function checkInStation(
  sql: Sql,
  device: DeviceRef,
  operator: Caller,
): Promise<{ operator: Caller; locationCode: string }> {
  const place = device.scanLocationId ?? device.locationId;
  const [location] = place
    ? await sql.execute<{ code: string }[]>('select code from locations where id = ?', [place])
    : [];
  if (!location) throw new UnprocessableError('scan a location label first');
  return { operator, locationCode: location.code };
}

/** A location label: the items scanned next at this station go there. Neither an item's nor a location's, it is refused as the item code it is not. */
async function scanLocationLabel(
  tx: EntityManager,
  device: DeviceRef,
  scan: ScanMessage,
  notAnItem: unknown,
): Promise<Outcome> {
  const location = await tx.findOne(Location, { code: scan.code });
  if (!location) throw notAnItem;
  await tx.execute('update devices set scan_location_id = ? where id = ?', [location.id, device.id]);
  return { reason: `location ${location.code}` };
}

async function countForAudit(tx: EntityManager, device: DeviceRef, operator: Caller, code: string): Promise<Outcome> {
  const place = device.scanLocationId ?? device.locationId;
  const [audit] = place
    ? await tx.execute<{ id: string }[]>(
        `select a.id from audits a join locations top on top.id = a.location_id join locations here on here.id = ?
          where a.status = 'open' and here.path like top.path || '%' order by a.started_at desc limit 1`,
        [place],
      )
    : [];
  if (!audit) throw new UnprocessableError('no inventory is open here');
  const location = await tx.findOneOrFail(Location, { id: place! });
  await recordAuditScan(tx, operator, audit.id, { code, locationCode: location.code, deviceId: device.id });
  return { reason: `counted in inventory`, item: { code, state: 'counted', location: location.code } };
}

/** Answered from the event itself: nothing more is read while the ledger's head is locked. */
const answered = (event: AppendedEvent, code: string, location: string | null): Outcome => ({
  item: { code, state: event.state.state, location },
  event: { index: event.index, leafHash: event.leafHash },
});
