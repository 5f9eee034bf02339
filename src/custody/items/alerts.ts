import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError } from '../../errors';
import { alertVisibility } from './access';
import type { Caller } from '../directory/caller';
import { appendEvents, lockItems } from '../ledger/append';
import type { ItemState } from './projection';
import { Alert } from './records.entity';

export type DueKind = 'loan_overdue' | 'review_due';

const DUE_CONDITION: Record<DueKind, string> = {
  loan_overdue: `i.state = 'on_loan' and i.loan_due_at < ?::timestamptz`,
  review_due: `i.state <> 'disposed' and i.review_date <= (?::timestamptz at time zone 'UTC')::date`,
};

export function dueMessage(kind: DueKind, item: ItemState): string {
  return kind === 'loan_overdue'
    ? `item ${item.code} was due back from ${item.holderName} on ${item.loanDueAt}`
    : `item ${item.code} is due for its disposal review since ${item.reviewDate}`;
}

async function dueCodes(em: EntityManager, kind: DueKind, now: string, limit: number): Promise<string[]> {
  const rows = await em.execute<{ code: string }[]>(
    `select i.code from items i where ${DUE_CONDITION[kind]}
        and not exists (select 1 from alerts a where a.item_id = i.id and a.kind = ? and a.status = 'open')
      order by i.code limit ?`,
    [now, kind, limit],
  );
  return rows.map((r) => r.code);
}

/**
 * Raises an alert, in the item's ledger and in the alerts list, for each overdue loan and each review that
 * has come due; resolves due alerts whose condition has passed. Safe to run from several instances at once:
 * each item is locked and its condition checked again before anything is written.
 */
export async function raiseDueAlerts(
  em: EntityManager,
  now = new Date(),
  batch = 200,
): Promise<{ raised: number; resolved: number }> {
  const at = now.toISOString();
  let raised = 0;
  for (const kind of Object.keys(DUE_CONDITION) as DueKind[]) {
    for (let codes = await dueCodes(em, kind, at, batch); codes.length; codes = await dueCodes(em, kind, at, batch)) {
      raised += await em.transactional(async (tx) => {
        const items = await lockItems(tx, codes);
        const still = await tx.execute<{ id: string }[]>(
          `select i.id from items i where i.id in (${items.map(() => '?').join(', ')}) and ${DUE_CONDITION[kind]}
              and not exists (select 1 from alerts a where a.item_id = i.id and a.kind = ? and a.status = 'open')`,
          [...items.map((i) => i.id), at, kind],
        );
        const due = items.filter((item) => still.some((r) => r.id === item.id));
        const events = await appendEvents(
          tx,
          due.map((item) => ({
            item,
            type: 'alert' as const,
            actor: null,
            to: item.state,
            payload: { kind, message: dueMessage(kind, item) },
          })),
        );
        events.forEach((event, i) =>
          tx.create(Alert, {
            kind,
            itemId: due[i]!.id,
            message: String(event.envelope.payload.message),
            eventIdx: event.index,
          }),
        );
        await tx.flush();
        return due.length;
      });
    }
  }
  const resolved = await em.execute(
    `update alerts a set status = 'resolved', resolved_at = now() from items i
      where a.item_id = i.id and a.status = 'open' and a.kind in ('loan_overdue', 'review_due')
        and not ((a.kind = 'loan_overdue' and ${DUE_CONDITION.loan_overdue}) or (a.kind = 'review_due' and ${DUE_CONDITION.review_due}))`,
    [at, at],
    'run',
  );
  return { raised, resolved: (resolved as unknown as { affectedRows?: number }).affectedRows ?? 0 };
}

export async function resolveAlert(em: EntityManager, caller: Caller, id: string, note: string) {
  return em.transactional(async (tx) => {
    const alert = await tx.findOne(Alert, { id });
    if (!alert) throw new NotFoundError(`alert ${id} does not exist`);
    if (alert.status !== 'open') throw new ConflictError(`alert ${id} is already resolved`);
    Object.assign(alert, { status: 'resolved', resolvedAt: new Date(), resolvedBy: caller.id, resolutionNote: note });
    await tx.flush();
    return alert;
  });
}

/** A page of the alerts the caller may see, of one status (and kind, if given), newest first. */
export async function listAlerts(
  em: EntityManager,
  caller: Caller,
  page: { status: string; kind?: string; limit: number; offset: number },
) {
  const visibility = alertVisibility(caller);
  const rows = await em.execute<
    {
      id: string;
      kind: string;
      code: string | null;
      message: string;
      status: string;
      created_at: Date;
      resolved_at: Date | null;
      resolution_note: string | null;
      resolver: string | null;
      total: string;
    }[]
  >(
    `select a.id, a.kind, i.code, a.message, a.status, a.created_at, a.resolved_at, a.resolution_note,
            u.display_name as resolver, count(*) over () as total
       from alerts a left join items i on i.id = a.item_id left join users u on u.id = a.resolved_by
      where a.status = ? and (?::text is null or a.kind = ?) and ${visibility.sql}
      order by a.created_at desc, a.id limit ? offset ?`,
    [page.status, page.kind ?? null, page.kind ?? null, ...visibility.params, page.limit, page.offset],
  );
  return {
    alerts: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      itemCode: r.code,
      message: r.message,
      status: r.status,
      createdAt: new Date(r.created_at).toISOString(),
      resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
      resolvedByName: r.resolver,
      resolutionNote: r.resolution_note,
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}
