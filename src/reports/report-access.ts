import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../custody/directory/caller';
import type { Lang } from './i18n';

/**
 * What is recorded: every print or export of a report, and every read of an item's history through the API
 * (`events`: each page of GET /items/{code}/events; `proof`: each proof bundle), since either gives the whole
 * history as a print does. A case's dossier is recorded once for the case, and once for each item it holds
 * (`subject_id` the dossier's report id), so that it shows in each item's report-access log.
 */
export interface Access {
  kind: 'history' | 'inventory' | 'receipt' | 'slip' | 'audit' | 'events' | 'proof' | 'dossier';
  format: 'pdf' | 'csv' | 'json' | 'zip';
  itemId?: string;
  caseId?: string;
  subjectId?: string;
}

/** What every printed report says about itself: its id, when and by whom, in which language. */
export function reportFrame(reportId: string, caller: Caller, lang: Lang) {
  return {
    reportId,
    lang,
    generatedAt: `${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC`,
    generatedBy: `${caller.displayName} (${caller.agencyCode})`,
  };
}

/** Records who is reading which report, before it is sent; returns the report id printed on every page. */
export async function recordReportAccess(em: EntityManager, caller: Caller, access: Access): Promise<string> {
  const id = randomUUID();
  await em.execute(
    'insert into report_access (id, kind, format, item_id, case_id, subject_id, user_id) values (?, ?, ?, ?, ?, ?, ?)',
    [id, access.kind, access.format, access.itemId ?? null, access.caseId ?? null, access.subjectId ?? null, caller.id],
  );
  return id;
}

/** The items a case's dossier holds, each recorded as read in that dossier (one statement for them all). */
export async function recordDossierItems(
  em: EntityManager,
  caller: Caller,
  dossier: { reportId: string; caseId: string; itemIds: string[] },
): Promise<void> {
  if (dossier.itemIds.length === 0) return;
  await em.execute(
    `insert into report_access (id, kind, format, item_id, case_id, subject_id, user_id)
     select gen_random_uuid(), 'dossier', 'zip', item_id, ?, ?, ? from unnest(?::uuid[]) as item_id`,
    [dossier.caseId, dossier.reportId, caller.id, `{${dossier.itemIds.join(',')}}`],
  );
}

export async function itemReportAccess(em: EntityManager, itemId: string) {
  const rows = await em.execute<
    { id: string; kind: string; format: string; accessed_at: Date; username: string; display_name: string }[]
  >(
    `select r.id, r.kind, r.format, r.accessed_at, u.username, u.display_name from report_access r join users u on u.id = r.user_id
      where r.item_id = ? order by r.accessed_at, r.id`,
    [itemId],
  );
  return rows.map((r) => ({
    reportId: r.id,
    kind: r.kind,
    format: r.format,
    at: new Date(r.accessed_at).toISOString(),
    username: r.username,
    displayName: r.display_name,
  }));
}
