import { fetchOk } from '../../lib/api';
import { readEvents } from '../../lib/event-stream';
import { Problem } from '../../lib/problem';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A problem of the file, where a spreadsheet shows it: the header is row 1; no column for the whole row. */
export interface RowProblem {
  row: number;
  column: string | null;
  detail: string;
}

export type ImportPhase = 'reading' | 'checking' | 'importing';
export interface ImportProgress {
  phase: ImportPhase;
  done: number;
  total: number;
}

export interface CheckResult {
  dryRun: true;
  rows: number;
  problems: RowProblem[];
}
export interface ImportResult {
  imported: number;
  items: { code: string; itemNo: number }[];
}

/** A refused import, with every problem of its rows when it was refused for them. */
export class ImportProblem extends Problem {
  constructor(
    detail: string,
    readonly problems: RowProblem[],
  ) {
    // The stream tells no status: every refusal it can carry is of the file (422) or of the run itself.
    super({ type: 'about:blank', title: 'Unprocessable', status: 422, detail });
  }
}

/** The template's address, in the console's language. */
export const templatePath = (format: 'csv' | 'xlsx', lang: string) =>
  `/api/v1/items/import-template.${format}?lang=${lang}`;

const typeOf = (file: File) => (/\.xlsx$/i.test(file.name) ? XLSX : 'text/csv');

/**
 * Sends the file to POST /cases/{id}/items/import, asking for its progress as a stream: checked only
 * (`dryRun`) or imported, every row or none. Refusals are thrown as problems (an ImportProblem with the rows'
 * problems when the file has some).
 */
export async function sendImport(
  caseId: string,
  file: File,
  { dryRun, onProgress }: { dryRun: boolean; onProgress: (progress: ImportProgress) => void },
): Promise<CheckResult | ImportResult> {
  const query = new URLSearchParams({
    dryRun: String(dryRun),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const response = await fetchOk(`/cases/${encodeURIComponent(caseId)}/items/import?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': typeOf(file), Accept: 'text/event-stream' },
    body: file,
  });
  if (!response.body) throw new ImportProblem('the server answered without a body', []);
  try {
    for await (const { event, data } of readEvents(response.body)) {
      if (event === 'progress') onProgress(data as ImportProgress);
      if (event === 'result') return data as CheckResult | ImportResult;
      if (event === 'problem') {
        const { detail, problems = [] } = data as { detail: string; problems?: RowProblem[] };
        throw new ImportProblem(detail, problems);
      }
    }
  } catch (err) {
    if (err instanceof Problem) throw err;
    // The connection broke in the middle of the answer.
    throw new Problem({ type: 'network', title: 'Network error', status: 0, detail: 'the server cannot be reached' });
  }
  throw new ImportProblem('the server ended the answer without a result', []);
}
