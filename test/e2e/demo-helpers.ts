import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';

export { processesUnder } from '../helpers/processes.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'bin/devup.js');

/** A private copy of the demo inside the repo (so `pg` and `devup` resolve), on free ports. */
export async function copyDemo(): Promise<{ dir: string; env: NodeJS.ProcessEnv; ports: number[]; cleanup(): void }> {
  const dir = path.join(ROOT, 'test/e2e/.work', randomBytes(4).toString('hex'));
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(path.join(ROOT, 'demo'), dir, {
    recursive: true,
    filter: (src) => !src.includes('.devup') && !src.endsWith('/.env'),
  });
  const [db, auth, workflow, ingestion] = [
    await freePort(45000),
    await freePort(46000),
    await freePort(47000),
    await freePort(48000),
  ];
  const env = {
    ...process.env,
    CI: 'true',
    DEMO_PROJECT: `devup-e2e-${path.basename(dir)}`,
    DEMO_DB_PORT: String(db),
    DEMO_AUTH_PORT: String(auth),
    DEMO_WORKFLOW_PORT: String(workflow),
    DEMO_INGESTION_PORT: String(ingestion),
  };
  return {
    dir,
    env,
    ports: [auth, workflow, ingestion] as number[],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RunningCli {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<number>;
  exited: Promise<number | null>;
}

/** Starts the built CLI, collecting its output; `waitFor` resolves with ms since the start. */
export function startCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): RunningCli {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: { pattern: RegExp; resolve: (ms: number) => void }[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(performance.now() - started);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      if (pattern.test(text)) return Promise.resolve(performance.now() - started);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (ms) => {
            clearTimeout(timer);
            resolve(ms);
          },
        });
        exited.then((code) => reject(new Error(`devup exited (${code}) before ${pattern}; output:\n${text}`)));
      });
    },
  };
}

export async function httpStatus(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

export function runCli(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  const cli = startCli(args, options);
  return cli.exited.then((code) => ({ code, output: cli.output() }));
}
