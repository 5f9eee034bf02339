import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `npm run import -- FILE --case ID --server URL --token TOKEN [--dry-run] [--time-zone ZONE]`: sends a CSV or
 * XLSX file of items to POST /cases/{id}/items/import, with a progress bar on stderr while the server checks
 * and imports it. Exit code 0 when it was imported (or, with --dry-run, has no problem), 1 when it has
 * problems (each printed with its row and column), 2 on usage.
 */

const USAGE = `usage:
  npm run import -- FILE.xlsx|FILE.csv --case CASE_ID --server URL --token TOKEN [--dry-run] [--time-zone Asia/Shanghai]`;

const TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

interface Problem {
  row: number;
  column: string | null;
  detail: string;
}

const WIDTH = 30;
const PHASES: Record<string, string> = { reading: 'reading', checking: 'checking', importing: 'importing' };

function bar(phase: string, done: number, total: number): void {
  const filled = Math.round((WIDTH * done) / Math.max(total, 1));
  process.stderr.write(
    `\r${(PHASES[phase] ?? phase).padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ` +
      `${done.toLocaleString('en')} / ${total.toLocaleString('en')}   `,
  );
}

/** The events of a text/event-stream body, as they arrive. */
async function* events(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = block.match(/^event: (.*)$/m)?.[1] ?? 'message';
      const data = block.match(/^data: (.*)$/m)?.[1];
      if (data !== undefined) yield { event, data: JSON.parse(data) };
    }
  }
}

function printProblems(problems: Problem[]): void {
  for (const p of problems) process.stdout.write(`row ${p.row}${p.column ? `, ${p.column}` : ''}: ${p.detail}\n`);
}

export async function runImport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      case: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'time-zone': { type: 'string', default: 'Asia/Shanghai' },
    },
    allowPositionals: true,
  });
  const [file] = positionals;
  const type = file ? TYPES[path.extname(file).toLowerCase()] : undefined;
  if (!file || !type || !values.case || !values.server || !values.token) {
    process.stderr.write(`${USAGE}\n${file && !type ? `${file}: a .csv or .xlsx file\n` : ''}`);
    return 2;
  }
  const query = new URLSearchParams({ dryRun: String(values['dry-run']), timeZone: values['time-zone'] });
  const res = await fetch(
    `${values.server.replace(/\/$/, '')}/api/v1/cases/${encodeURIComponent(values.case)}/items/import?${query}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${values.token}`, 'content-type': type, accept: 'text/event-stream' },
      body: fs.readFileSync(file),
    },
  );
  if (!res.ok || !res.body) {
    const problem = (await res.json().catch(() => ({}))) as { detail?: string };
    process.stderr.write(`${file}: ${problem.detail ?? `HTTP ${res.status}`}\n`);
    return 1;
  }
  for await (const { event, data } of events(res.body)) {
    if (event === 'progress') {
      const { phase, done, total } = data as { phase: string; done: number; total: number };
      bar(phase, done, total);
      continue;
    }
    process.stderr.write('\n');
    if (event === 'problem') {
      const { detail, problems = [] } = data as { detail: string; problems?: Problem[] };
      process.stderr.write(`${file}: ${detail}\n`);
      printProblems(problems);
      return 1;
    }
    if (event === 'result') {
      const answer = data as { dryRun?: true; rows?: number; problems?: Problem[]; imported?: number };
      if (answer.dryRun) {
        printProblems(answer.problems ?? []);
        process.stdout.write(
          `${answer.rows} rows checked, ${answer.problems?.length ?? 0} problems; nothing imported (dry run)\n`,
        );
        return answer.problems?.length ? 1 : 0;
      }
      process.stdout.write(`${answer.imported} items imported\n`);
      return 0;
    }
  }
  process.stderr.write(`${file}: the server ended the answer without a result\n`);
  return 1;
}

if (require.main === module) {
  runImport(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`import: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
