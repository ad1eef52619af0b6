import { readdirSync, readFileSync } from 'node:fs';
import { trackProcessGroup, untrackProcessGroup } from '../lib/process-groups.js';
import { type Clock, systemClock } from './clock.js';

/** True when /proc/<pid>/stat shows a process of the group that is not a zombie. */
function isLiveMember(pid: string, pgid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false; // it exited while we looked
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** The live (non-zombie) members of a group, from a scan of /proc. */
function liveMembers(pgid: number): string[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return ['unknown']; // no /proc to tell: assume alive
  }
  return entries.filter((entry) => entry.charCodeAt(0) >= 48 && entry.charCodeAt(0) <= 57 && isLiveMember(entry, pgid));
}

export type TerminationOutcome = 'terminated' | 'killed' | 'stuck';

/**
 * A service's process group (its main process was spawned detached, so pgid = its pid). Signals go
 * to the whole group, so `npm run start` → `sh` → `node server.js` all hear them.
 */
export class ProcessGroup {
  readonly pgid: number;
  /** Set by the owner when the main process has exited and been reaped; until then the group is alive. */
  leaderExited = false;
  readonly #clock: Clock;
  /** Members seen alive by the last /proc scan: checked first, so a long wait doesn't rescan every time. */
  #knownMembers: string[] = [];

  constructor(pgid: number, clock: Clock = systemClock) {
    this.pgid = pgid;
    this.#clock = clock;
    trackProcessGroup(pgid);
  }

  /** Signals every process in the group; false when none is left. */
  signal(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        untrackProcessGroup(this.pgid);
        return false;
      }
      throw error;
    }
  }

  /**
   * Whether a process of the group is alive. kill(-pgid, 0) counts zombies too, and an orphaned
   * grandchild stays a zombie until init reaps it, which on some machines takes seconds. So once
   * the main process has exited, Linux's /proc decides; elsewhere kill(-pgid, 0) is taken at its word.
   */
  isAlive(): boolean {
    if (!this.signal(0)) return false;
    if (!this.leaderExited || process.platform !== 'linux') return true;
    if (this.#knownMembers.some((pid) => isLiveMember(pid, this.pgid))) return true;
    this.#knownMembers = liveMembers(this.pgid);
    if (this.#knownMembers.length > 0) return true;
    untrackProcessGroup(this.pgid);
    return false;
  }

  /** Polls (10 ms, slowing to 100 ms) until the group is gone; false when `timeoutMs` passed or `signal` aborted first. */
  async waitUntilGone(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = this.#clock.now() + timeoutMs;
    for (let interval = 10; ; interval = Math.min(100, interval * 1.5)) {
      if (!this.isAlive()) return true;
      const remaining = deadline - this.#clock.now();
      if (remaining <= 0 || signal?.aborted) return false;
      await this.#clock.sleep(Math.min(interval, remaining), signal);
    }
  }

  /**
   * SIGTERM to the group, up to `graceMs` to leave, then SIGKILL. Aborting `hurry` skips the rest of
   * the grace period (a second Ctrl-C). Resolves once no process of the group is left.
   */
  async terminate(graceMs: number, hurry?: AbortSignal): Promise<TerminationOutcome> {
    if (!this.isAlive()) return 'terminated';
    if (!hurry?.aborted) {
      this.signal('SIGTERM');
      if (await this.waitUntilGone(graceMs, hurry)) return 'terminated';
    }
    return this.kill();
  }

  /** SIGKILL to the group, then waits (bounded: a process stuck in the kernel can't be helped). */
  async kill(): Promise<TerminationOutcome> {
    if (!this.signal('SIGKILL')) return 'killed';
    return (await this.waitUntilGone(3_000)) ? 'killed' : 'stuck';
  }

  /** Synchronous SIGKILL, for when there is no time to wait. */
  killNow(): void {
    this.signal('SIGKILL');
  }
}
