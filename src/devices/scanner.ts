import type { EntityManager } from '@mikro-orm/postgresql';
import { UnprocessableError } from '../errors';
import { loadCaller, type Caller } from '../custody/caller';
import { parseItemCode } from '../custody/item-code';
import type { AppendedEvent, DeviceOrigin } from '../custody/ledger';
import { Location } from '../custody/location.entity';
import { checkIn, checkOut } from '../custody/movements';
import { recordAuditScan } from '../custody/audits';
import type { DeviceRef } from './device.entity';
import type { ScanMessage } from './messages';
import type { Outcome } from './once';

async function operatorOf(em: EntityManager, username: string): Promise<Caller> {
  const operator = await loadCaller(em, { username });
  if (!operator || !operator.roles.includes('warehouse')) throw new UnprocessableError(`operator ${username} is not active warehouse staff`);
  return operator;
}

async function approvedLoanFor(em: EntityManager, itemCode: string): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(
    `select r.id from requests r join request_items ri on ri.request_id = r.id join items i on i.id = ri.item_id
      where i.code = ? and r.kind = 'loan' and r.status = 'approved' and ri.carried_out_at is null order by r.created_at limit 1`,
    [itemCode],
  );
  if (!row) throw new UnprocessableError(`item ${itemCode} has no approved loan`);
  return row.id;
}

/** Does what a scan means at this station; throws an AppError (a rejection with its reason) otherwise. */
export async function performScan(tx: EntityManager, device: DeviceRef, scan: ScanMessage): Promise<Outcome> {
  const operator = await operatorOf(tx, scan.operator);
  let code: string;
  try {
    code = parseItemCode(scan.code);
  } catch (notAnItem) {
    const location = await tx.findOne(Location, { code: scan.code });
    if (!location) throw notAnItem;
    // A location label: the items scanned next go there.
    await tx.execute('update devices set scan_location_id = ? where id = ?', [location.id, device.id]);
    return { reason: `location ${location.code}` };
  }
  const origin: DeviceOrigin = { device: device.id, occurredAt: new Date(scan.deviceTime).toISOString(), replayed: scan.replayed ?? false };
  if (device.mode === 'check_in') {
    const place = device.scanLocationId ?? device.locationId;
    const [location] = place ? await tx.execute<{ code: string }[]>('select code from locations where id = ?', [place]) : [];
    if (!location) throw new UnprocessableError('scan a location label first');
    return answered(await checkIn(tx, operator, code, { locationCode: location.code, origin }), code, location.code);
  }
  if (device.mode === 'check_out') {
    return answered(await checkOut(tx, operator, code, { requestId: await approvedLoanFor(tx, code), condition: 'as scanned', origin }), code, null);
  }
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

