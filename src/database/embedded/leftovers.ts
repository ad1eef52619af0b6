import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { realPathSoFar } from '../../config/project-paths.js';
import { processStart } from '../../process-identity.js';

/**
 * initdb's password file, `.pw-<pid>`, is removed when initdb ends; a devup killed meanwhile
 * leaves it behind, password inside. The next start removes those whose process is gone.
 */
export function removeStalePasswordFiles(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = /^\.pw-(\d+)$/.exec(entry)?.[1];
    if (pid === undefined || (Number(pid) !== process.pid && isAlive(Number(pid)))) continue;
    rmSync(path.join(dir, entry), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The pid of the server running on the cluster in `dataDir`. postmaster.pid outlives a crash,
 * and its pid may by now be a zombie or another program: only a live postmaster of this
 * directory counts.
 */
export function postmasterPid(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(postmasterPidFile(dataDir), 'utf8').split('\n')[0] ?? '', 10);
  } catch {
    return undefined;
  }
  return isPostmasterOf(pid, dataDir) ? pid : undefined;
}

/** The port the server in `dataDir` listens on: the fourth line of postmaster.pid. */
export function postmasterPort(dataDir: string): number | undefined {
  try {
    const port = Number.parseInt(readFileSync(postmasterPidFile(dataDir), 'utf8').split('\n')[3] ?? '', 10);
    return Number.isInteger(port) ? port : undefined;
  } catch {
    return undefined;
  }
}

export function postmasterPidFile(dataDir: string): string {
  return path.join(dataDir, 'postmaster.pid');
}

/** Whether `pid` is a live postmaster serving `dataDir` (not a zombie, not a reused pid). */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  if (processStart(pid) === undefined) return false;
  let args: string[];
  try {
    args =
      process.platform === 'linux'
        ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
        : execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
            .trim()
            .split(/\s+/);
  } catch {
    return true; // alive, but not ours to inspect: trust postmaster.pid
  }
  const program = path.basename(args[0] ?? '');
  const dir = args[args.indexOf('-D') + 1];
  return (
    (program === 'postgres' || program === 'postmaster') &&
    args.includes('-D') &&
    dir !== undefined &&
    realPathSoFar(dir) === realPathSoFar(dataDir)
  );
}
