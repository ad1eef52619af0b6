import { readdirSync, readFileSync } from 'node:fs';
import { isRunning, type ProcessIdentity, processStart } from '../process-identity.js';

/**
 * Every service of a `devup dev` session inherits this variable with the session's id. A daemon a
 * service forks with `setsid` leaves the process group but keeps its environment, so the
 * variable (read from /proc/<pid>/environ) finds what the group signals cannot reach.
 */
export const SESSION_MARKER = 'DEVUP_SESSION';

/** A process found by its session marker or the dead session's records, as it can be shown and stopped. */
export interface SessionProcess extends ProcessIdentity {
  /** Its command line, shortened, for the line that names it. */
  command: string;
}

function commandLine(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return '?';
  }
}

/** Live processes (not this one) whose environment holds DEVUP_SESSION=<session>; Linux only (elsewhere none). */
export function processesOfSession(session: string): SessionProcess[] {
  if (process.platform !== 'linux' || session === '') return [];
  const needle = Buffer.from(`\0${SESSION_MARKER}=${session}\0`);
  const first = Buffer.from(`${SESSION_MARKER}=${session}\0`);
  const found: SessionProcess[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (!(environ.subarray(0, first.length).equals(first) || environ.includes(needle))) continue;
    const started = processStart(pid);
    if (started !== undefined) found.push({ pid, started, command: commandLine(pid) });
  }
  return found;
}

/** The recorded processes (pid + start time) that still run as themselves, with their commands. */
export function stillRunning(recorded: readonly ProcessIdentity[]): SessionProcess[] {
  return recorded
    .filter((identity) => identity.started !== undefined && isRunning(identity))
    .map((identity) => ({ ...identity, command: commandLine(identity.pid) }));
}

function signalProcess(target: SessionProcess, signal: NodeJS.Signals): void {
  // Only the very process that was found: a pid reused meanwhile is someone else's.
  if (!isRunning(target)) return;
  try {
    process.kill(target.pid, signal);
  } catch {
    // gone meanwhile, or not ours to signal
  }
}

/**
 * SIGTERM to each process, up to `graceMs` for all to leave, then SIGKILL to the rest. Resolves
 * with the ones that survived even that (stuck in the kernel, or another user's).
 */
export async function stopProcesses(targets: readonly SessionProcess[], graceMs = 3_000): Promise<SessionProcess[]> {
  for (const target of targets) signalProcess(target, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = targets.filter(isRunning);
  for (let interval = 10; left.length > 0 && Date.now() < deadline; interval = Math.min(100, interval * 1.5)) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    left = left.filter(isRunning);
  }
  for (const target of left) signalProcess(target, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (left.length > 0 && Date.now() < killDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = left.filter(isRunning);
  }
  return left;
}

/** "pid 123 (node server.js), pid 456 (sleep 1000)", at most `max` named. */
export function describeProcesses(processes: readonly SessionProcess[], max = 3): string {
  const named = processes.slice(0, max).map((p) => `pid ${p.pid} (${p.command})`);
  const more = processes.length - named.length;
  return more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
}

/** "1 process", "3 processes". */
export function countProcesses(count: number): string {
  return `${count} process${count === 1 ? '' : 'es'}`;
}

/**
 * At the end of a session, after every service's process group is gone: stops what still carries
 * the session's marker (daemons a service detached with setsid). Returns the lines that say so.
 */
export async function stopDetachedProcesses(session: string): Promise<string[]> {
  const left = processesOfSession(session);
  if (left.length === 0) return [];
  const survivors = await stopProcesses(left);
  const stopped = left.filter((p) => !survivors.includes(p));
  const lines: string[] = [];
  if (stopped.length > 0) {
    lines.push(
      `stopped ${countProcesses(stopped.length)} that services had detached from their process group: ${describeProcesses(stopped)}`,
    );
  }
  if (survivors.length > 0) {
    lines.push(
      `${countProcesses(survivors.length)} detached by services did not stop and are left running: ${describeProcesses(survivors)}`,
    );
  }
  return lines;
}
