import { randomInt, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, UnprocessableError } from '../../errors';
import type { Caller } from '../directory/caller';
import { parseItemCode } from './item-code';
import { appendEvents, lockItems } from '../ledger/append';
import { findLocation } from '../directory/locations';
import { Alert } from './records.entity';
import { Case } from './case.entity';
import { createCase, registerItems, type NewItem } from './cases';

const Z: Record<string, number> = { '0.9': 1.645, '0.95': 1.96, '0.99': 2.576 };

/**
 * Items to draw so that the share of missing items in the whole subtree is known within `margin` at the
 * given confidence: Cochran's formula at the worst case p = 0.5, corrected for a finite population.
 */
export function sampleSize(population: number, confidence: number, margin: number): number {
  const z = Z[String(confidence)];
  if (!z) throw new UnprocessableError('confidence must be 0.9, 0.95 or 0.99');
  const n0 = (z * z * 0.25) / (margin * margin);
  return Math.min(population, Math.ceil(n0 / (1 + (n0 - 1) / Math.max(population, 1))));
}

export interface NewAudit {
  locationCode: string;
  sample?: { confidence: number; margin: number };
}

/** Starts an inventory of a location subtree: the items expected there are fixed now (all, or a random sample). */
export async function startAudit(em: EntityManager, caller: Caller, input: NewAudit) {
  const top = await findLocation(em, input.locationCode);
  const rows = await em.execute<{ id: string }[]>(
    `select i.id from items i join locations l on l.id = i.location_id
      where l.path like ? and i.state in ('stored', 'in_locker') order by i.id`,
    [`${top.path}%`],
  );
  let expected = rows.map((r) => r.id);
  if (input.sample) {
    const n = sampleSize(expected.length, input.sample.confidence, input.sample.margin);
    // A uniform random draw (partial Fisher-Yates with a cryptographic generator): nobody can predict it.
    for (let i = 0; i < n; i++) {
      const j = i + randomInt(expected.length - i);
      [expected[i], expected[j]] = [expected[j]!, expected[i]!];
    }
    expected = expected.slice(0, n);
  }
  const id = randomUUID();
  await em.execute(
    `insert into audits (id, location_id, kind, confidence, margin, expected_item_ids, started_by) values (?, ?, ?, ?, ?, ?::uuid[], ?)`,
    [
      id,
      top.id,
      input.sample ? 'sample' : 'full',
      input.sample?.confidence ?? null,
      input.sample?.margin ?? null,
      `{${expected.join(',')}}`,
      caller.id,
    ],
  );
  return findAudit(em, id);
}

interface AuditRow {
  id: string;
  location_id: string;
  kind: string;
  status: string;
  expected_item_ids: string[];
  started_at: Date;
  closed_at: Date | null;
  result: AuditResult | null;
}

export interface AuditResult {
  found: string[];
  missing: string[];
  mislocated: { code: string; recorded: string | null; seen: string | null }[];
  unknown: string[];
}

type Scan = { code: string; item_id: string | null; location_id: string | null; seen: string | null };

const scansOf = (sql: Pick<EntityManager, 'execute'>, auditId: string) =>
  sql.execute<Scan[]>(
    `select s.code, s.item_id, s.location_id, l.code as seen from audit_scans s left join locations l on l.id = s.location_id where s.audit_id = ?`,
    [auditId],
  );

/**
 * What the scans so far say of the expected items: found where the ledger has them, seen elsewhere
 * (mislocated), not seen (missing, once closed), and codes that were not expected here (unknown).
 */
function classify(
  expectedIds: string[],
  scans: Scan[],
  items: { id: string; code: string; locationId: string | null }[],
  locationCodes: Map<string, string>,
): AuditResult {
  const expected = new Set(expectedIds);
  const byId = new Map(items.map((i) => [i.id, i]));
  const seenItems = scans.filter((s) => s.item_id && expected.has(s.item_id));
  const result: AuditResult = { found: [], missing: [], mislocated: [], unknown: [] };
  for (const scan of seenItems) {
    const item = byId.get(scan.item_id!)!;
    if (scan.location_id && scan.location_id !== item.locationId) {
      result.mislocated.push({
        code: item.code,
        recorded: item.locationId ? (locationCodes.get(item.locationId) ?? null) : null,
        seen: scan.seen,
      });
    } else result.found.push(item.code);
  }
  const seenIds = new Set(seenItems.map((s) => s.item_id));
  result.missing = items
    .filter((i) => !seenIds.has(i.id))
    .map((i) => i.code)
    .sort();
  result.unknown = scans
    .filter((s) => !s.item_id || !expected.has(s.item_id))
    .map((s) => s.code)
    .sort();
  result.found.sort();
  return result;
}

const locationCodes = async (sql: Pick<EntityManager, 'execute'>) =>
  new Map(
    (await sql.execute<{ id: string; code: string }[]>('select id, code from locations')).map((l) => [l.id, l.code]),
  );

export async function findAudit(em: EntityManager, id: string) {
  const [row] = await em.execute<(AuditRow & { location_code: string })[]>(
    'select a.*, l.code as location_code from audits a join locations l on l.id = a.location_id where a.id = ?',
    [id],
  );
  if (!row) throw new NotFoundError(`inventory ${id} does not exist`);
  const scans = await scansOf(em, id);
  // While it is open, the same classification as at its close, over the scans so far: the counts fill in.
  const result =
    row.result ??
    classify(
      row.expected_item_ids,
      scans,
      await em.execute<{ id: string; code: string; locationId: string | null }[]>(
        'select id, code, location_id as "locationId" from items where id = any (?::uuid[])',
        [`{${row.expected_item_ids.join(',')}}`],
      ),
      await locationCodes(em),
    );
  return {
    id: row.id,
    locationId: row.location_id,
    locationCode: row.location_code,
    kind: row.kind,
    status: row.status,
    expected: row.expected_item_ids.length,
    scanned: scans.length,
    startedAt: new Date(row.started_at).toISOString(),
    closedAt: row.closed_at ? new Date(row.closed_at).toISOString() : null,
    counts: {
      found: result.found.length,
      mislocated: result.mislocated.length,
      unknown: result.unknown.length,
      notSeen: result.missing.length,
    },
    result: row.result,
  };
}

/** Records that a code was seen during an inventory, and where (the first sighting of a code counts). */
export async function recordAuditScan(
  em: EntityManager,
  caller: Caller,
  auditId: string,
  input: { code: string; locationCode?: string; deviceId?: string },
) {
  const [audit] = await em.execute<{ status: string }[]>('select status from audits where id = ?', [auditId]);
  if (!audit) throw new NotFoundError(`inventory ${auditId} does not exist`);
  if (audit.status !== 'open') throw new ConflictError(`inventory ${auditId} is closed`);
  let code = input.code.trim().toUpperCase();
  try {
    code = parseItemCode(input.code);
  } catch {
    // Not a valid item code: kept as read, and reported as unknown.
  }
  const location = input.locationCode ? await findLocation(em, input.locationCode) : null;
  const [item] = await em.execute<{ id: string }[]>('select id from items where code = ?', [code]);
  await em.execute(
    `insert into audit_scans (audit_id, code, item_id, location_id, scanned_by, device_id) values (?, ?, ?, ?, ?, ?) on conflict do nothing`,
    [auditId, code, item?.id ?? null, location?.id ?? null, caller.id, input.deviceId ?? null],
  );
  return { code, known: Boolean(item) };
}

/**
 * Closes an inventory: found (expected and seen where recorded), mislocated (seen elsewhere than recorded),
 * missing (expected, not seen: each raises an alert), unknown (codes that are no item, or items not
 * expected). Every item seen gets an `audited` event. All in one transaction.
 */
export async function closeAudit(em: EntityManager, caller: Caller, auditId: string) {
  return em.transactional(async (tx) => {
    const [audit] = await tx.execute<AuditRow[]>('select * from audits where id = ? for update', [auditId]);
    if (!audit) throw new NotFoundError(`inventory ${auditId} does not exist`);
    if (audit.status !== 'open') throw new ConflictError(`inventory ${auditId} is already closed`);
    const scans = await scansOf(tx, auditId);
    const expected = new Set(audit.expected_item_ids);
    const seenItems = scans.filter((s) => s.item_id && expected.has(s.item_id));
    const items = await lockItems(
      tx,
      (
        await tx.execute<{ code: string }[]>('select code from items where id = any (?::uuid[])', [
          `{${audit.expected_item_ids.join(',')}}`,
        ])
      ).map((r) => r.code),
    );
    const byId = new Map(items.map((i) => [i.id, i]));
    const result = classify(audit.expected_item_ids, scans, items, await locationCodes(tx));

    await appendEvents(
      tx,
      seenItems.map((scan) => {
        const item = byId.get(scan.item_id!)!;
        const mislocated = Boolean(scan.location_id && scan.location_id !== item.locationId);
        return {
          item,
          type: 'audited' as const,
          actor: caller,
          to: item.state,
          payload: { auditId, seenAt: scan.seen, result: mislocated ? 'mislocated' : 'found' },
        };
      }),
    );
    for (const code of result.missing) {
      tx.create(Alert, {
        kind: 'audit_missing',
        itemId: items.find((i) => i.code === code)!.id,
        message: `item ${code} was not found in inventory ${auditId}`,
      });
    }
    await tx.flush();
    await tx.execute(`update audits set status = 'closed', closed_by = ?, closed_at = now(), result = ? where id = ?`, [
      caller.id,
      JSON.stringify(result),
      auditId,
    ]);
    return result;
  });
}

const FOUND_CASE = 'FOUND-PROPERTY';

/**
 * Registers an unknown code of a closed inventory as found property: an item in the centre's own
 * found-property case (made on first use), seized "where it was found", with the code as read kept as its
 * serial number. It then follows the same life as any seized item.
 */
export async function registerFoundProperty(
  em: EntityManager,
  caller: Caller,
  auditId: string,
  input: { code: string; category: NewItem['category']; description: string; quantity: string; unit: string },
) {
  const audit = await findAudit(em, auditId);
  if (!audit.result) throw new ConflictError(`inventory ${auditId} is still open`);
  if (!audit.result.unknown.includes(input.code))
    throw new UnprocessableError(`${input.code} is not an unknown code of inventory ${auditId}`);
  const [scan] = await em.execute<{ seen: string | null }[]>(
    'select l.code as seen from audit_scans s left join locations l on l.id = s.location_id where s.audit_id = ? and s.code = ?',
    [auditId, input.code],
  );
  let found = await em.findOne(Case, { agencyId: caller.agencyId, caseNumber: FOUND_CASE });
  found ??= await createCase(em, caller, {
    caseNumber: FOUND_CASE,
    title: 'Found property / 无主财物',
    openedOn: new Date().toISOString().slice(0, 10),
  }).catch(async () => await em.findOneOrFail(Case, { agencyId: caller.agencyId, caseNumber: FOUND_CASE }));
  const [event] = await registerItems(em, caller, found.id, [
    {
      category: input.category,
      description: input.description,
      quantity: input.quantity,
      unit: input.unit,
      serialNumber: input.code,
      seizedAt: new Date().toISOString(),
      seizedFrom: `found in inventory ${auditId}`,
      seizedPlace: scan?.seen ?? undefined,
    },
  ]);
  return event!.state;
}

/** A page of the inventories, newest first. */
export async function listAudits(em: EntityManager, page: { limit: number; offset: number }) {
  const rows = await em.execute<{ id: string; total: string }[]>(
    'select id, count(*) over () as total from audits order by started_at desc, id limit ? offset ?',
    [page.limit, page.offset],
  );
  return { audits: await Promise.all(rows.map((r) => findAudit(em, r.id))), total: Number(rows[0]?.total ?? 0) };
}
