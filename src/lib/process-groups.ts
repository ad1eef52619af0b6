import { addExitHook } from './exit-hooks.js';

/**
 * The process groups devup started (services and migration tools) that may still have processes.
 * If devup's own process exits first, each is SIGKILLed: nothing it started outlives it.
 */
const liveGroups = new Set<number>();
let removeExitHook: (() => void) | undefined;

function killLiveGroups(): void {
  removeExitHook = undefined;
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}

export function trackProcessGroup(pgid: number): void {
  liveGroups.add(pgid);
  // Last resort at exit: a plain kill() is synchronous, as an exit hook must be.
  removeExitHook ??= addExitHook(killLiveGroups);
}

/** The group is gone (or its owner has killed it): nothing to do at exit. */
export function untrackProcessGroup(pgid: number): void {
  liveGroups.delete(pgid);
  if (liveGroups.size > 0) return;
  removeExitHook?.();
  removeExitHook = undefined;
}

/** Ids of the process groups devup still considers live (for tests and diagnostics). */
export function trackedProcessGroups(): number[] {
  return [...liveGroups];
}
