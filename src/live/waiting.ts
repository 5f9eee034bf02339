import type { EntityManager } from '@mikro-orm/postgresql';
import { hasRole, type Caller } from '../custody/directory/caller';
import { listAlerts } from '../custody/items/alerts';
import { dueItems } from '../custody/items/item-queries';

/** What waits for the caller, by list; null for a list that is not the caller's to work through. */
export interface Waiting {
  decisions: number | null;
  transfers: number | null;
  overdueLoans: number | null;
  dueReviews: number | null;
  alerts: number | null;
}

const count = async (sql: EntityManager, query: string, params: unknown[]) =>
  Number((await sql.execute<{ n: string }[]>(query, params))[0]!.n);

/** The bell's counts: the same lists, and the same visibility, as the console's pages behind them. */
export async function waitingFor(em: EntityManager, caller: Caller): Promise<Waiting> {
  const first = { limit: 1, offset: 0 };
  const [decisions, transfers, overdueLoans, dueReviews, alerts] = await Promise.all([
    // A request is decided by an approver of its agency who did not file it.
    hasRole(caller, 'approver')
      ? count(
          em,
          `select count(*) as n from requests where status = 'requested' and agency_id = ? and requester_id <> ?`,
          [caller.agencyId, caller.id],
        )
      : null,
    hasRole(caller, 'officer', 'clerk', 'approver')
      ? count(
          em,
          `select count(*) as n from requests where kind = 'transfer' and status = 'approved' and to_agency_id = ?`,
          [caller.agencyId],
        )
      : null,
    hasRole(caller, 'warehouse', 'approver', 'inspector')
      ? dueItems(em, caller, 'loans_overdue', first).then((page) => page.total)
      : null,
    hasRole(caller, 'officer', 'clerk', 'approver')
      ? dueItems(em, caller, 'reviews_due', first).then((page) => page.total)
      : null,
    hasRole(caller, 'warehouse', 'approver', 'inspector', 'admin')
      ? listAlerts(em, caller, { status: 'open', ...first }).then((page) => page.total)
      : null,
  ]);
  return { decisions, transfers, overdueLoans, dueReviews, alerts };
}
