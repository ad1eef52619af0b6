import { spawn } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import type { Binaries } from './binaries.js';
import type { ServerUserIds } from './server-user.js';

export interface ProcessResult {
  code: number | null;
  output: string;
}

/** initdb's arguments for every embedded cluster (a cached one is keyed by them). */
export function initdbArgs(dataDir: string, user: string, pwfile: string): string[] {
  return [
    `--pgdata=${dataDir}`,
    `--username=${user}`,
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ].filter((arg) => !arg.endsWith('='));
}

export function runInitdb(bins: Binaries, args: string[], ids: ServerUserIds | undefined): Promise<ProcessResult> {
  return run(bins.initdb, args, ids);
}

export function runPgCtl(bins: Binaries, args: string[], ids: ServerUserIds | undefined): Promise<ProcessResult> {
  return run(bins.pg_ctl, args, ids);
}

/**
 * A full copy (cp -a keeps modes and the server user's ownership; --reflink=auto shares blocks
 * copy-on-write where the file system can). Never hard links: Postgres rewrites files in place.
 */
export async function copyDirectory(from: string, to: string): Promise<void> {
  // GNU cp on Linux; BSD cp on macOS clones on APFS with -c. Anywhere else (or if cp fails
  // outright), Node's own copy, which keeps modes but not ownership (not needed without root).
  const flags = process.platform === 'linux' ? ['--reflink=auto'] : process.platform === 'darwin' ? ['-c'] : undefined;
  if (flags) {
    const result = await run('cp', ['-a', ...flags, from, to], undefined);
    if (result.code === 0) return;
    if (process.getuid?.() === 0) throw new Error(`cp -a ${from} ${to} failed: ${result.output.trim()}`);
    await rm(to, { recursive: true, force: true });
  }
  await cp(from, to, { recursive: true, errorOnExist: true, preserveTimestamps: true });
}

/**
 * Runs `sql` in single-user mode: no socket and no TCP port exist while it runs, so nothing can
 * connect to the cluster before it holds its real password.
 */
export function runSingleUser(
  bins: Binaries,
  dataDir: string,
  sql: string,
  ids: ServerUserIds | undefined,
): Promise<ProcessResult> {
  // -j: a statement ends at a semicolon followed by an empty line, so one may span lines.
  const args = ['--single', '-j', '-D', dataDir, '-c', 'fsync=off', '-c', 'log_min_messages=warning', 'postgres'];
  return run(bins.postgres, args, ids, `${sql};\n\n`);
}

function run(program: string, args: string[], ids: ServerUserIds | undefined, input?: string): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      ...(ids ?? {}),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('exit', (code) => resolve({ code, output }));
    if (input !== undefined) child.stdin?.end(input);
  });
}
