import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * A process as another process can recognise it later: its pid plus when it started. After a
 * crash the pid may be reused by anything; the start time tells the two apart.
 */
export interface ProcessIdentity {
  pid: number;
  /** Opaque start time (clock ticks since boot on Linux, `ps` lstart elsewhere); undefined if unknown. */
  started: string | undefined;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** When `pid` started, or undefined when it does not run (a zombie counts as gone). */
export function processStart(pid: number): string | undefined {
  if (process.platform === 'linux') {
    const fields = procStat(pid);
    // fields[0] is the state (field 3 of stat), fields[19] the start time (field 22).
    if (!fields || fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  }
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, started: processStart(process.pid) };
}

/** Whether the process that `identity` describes still runs (not merely a process with its pid). */
export function isRunning(identity: ProcessIdentity): boolean {
  if (!Number.isInteger(identity.pid) || identity.pid <= 0) return false;
  const started = processStart(identity.pid);
  if (started === undefined) return false;
  return identity.started === undefined || identity.started === started;
}
