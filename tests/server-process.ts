import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * The real server (`src/main.ts`) as a child process. Node runs it with tsx's loader directly, not through the
 * tsx wrapper, so that a signal (SIGKILL above all) reaches the server itself and leaves no orphan behind.
 */
export interface ServerProcess {
  child: ChildProcess;
  /** Everything it printed. */
  output(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** Waits until /readyz answers 200. */
  ready(port: number, timeoutMs?: number): Promise<void>;
  /** SIGTERM (or the signal given), then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const ROOT = path.join(__dirname, '..');

/** The words of package.json's start script (`tsx`, node's flags, `src/main.ts`). */
const startScript = () =>
  (
    JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start.split(' ');

/**
 * `through: 'npm start'` runs it as `npm start` does, through the tsx command, which relays signals to the
 * server it starts (and kills it if the server does not acknowledge them).
 */
export function startServer(env: Record<string, string>, through: 'node' | 'npm start' = 'node'): ServerProcess {
  let output = '';
  const [command, args] =
    through === 'node'
      ? [process.execPath, ['--import', 'tsx', 'src/main.ts']]
      : [path.join(ROOT, 'node_modules', '.bin', 'tsx'), startScript().slice(1)];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', ...env },
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async ready(port, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited: ${output}`);
        if (
          await fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`server not ready in ${timeoutMs} ms: ${output}`);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
