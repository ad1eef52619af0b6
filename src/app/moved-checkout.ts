import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { CheckoutEntry } from '../checkouts/registry.js';
import { movedDevSession } from '../services/dev-session.js';

/** A checkout whose registered directory is gone because it was moved, with the session that runs it there. */
export interface MovedCheckout {
  /** Where the checkout's root is now. */
  root: string;
  session: { pid: number; startedAt: string };
}

/** The working directory of a process, unless it is unreadable or deleted. */
function cwdOf(pid: string): string | undefined {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd.endsWith(' (deleted)') ? undefined : cwd;
  } catch {
    return undefined;
  }
}

/**
 * Finds the running `devup dev` of a checkout that was moved (renamed) while it ran: the registry
 * still names the old directory, which no longer exists, but the session's process works inside
 * the new one, and its claim there says which state directory it was made in. Linux only (/proc);
 * elsewhere undefined. Read-only: run by `devup prune` before it removes anything.
 */
export function findMovedCheckout(root: string, entry: CheckoutEntry): MovedCheckout | undefined {
  if (process.platform !== 'linux') return undefined;
  const stateDirInRoot = path.relative(root, entry.stateDir);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    const cwd = cwdOf(pid);
    // devup finds its config upward from where it runs: the checkout's root is the cwd or above it.
    for (let dir = cwd; dir !== undefined; dir = path.dirname(dir) === dir ? undefined : path.dirname(dir)) {
      const session = movedDevSession(path.join(dir, stateDirInRoot), entry.stateDir);
      if (session?.pid === Number(pid)) return { root: dir, session };
    }
  }
  return undefined;
}
