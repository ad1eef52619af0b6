/**
 * The process groups devup started (services and migration tools) that may still have processes.
 * If devup's own process exits first, each is SIGKILLed: nothing it started outlives it.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killLiveGroupsOnExit(): void {
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
  if (!exitHookInstalled) {
    // Last resort: 'exit' handlers must be synchronous, and a plain kill() is.
    process.on('exit', killLiveGroupsOnExit);
    exitHookInstalled = true;
  }
}

/** The group is gone (or its owner has killed it): nothing to do at exit. */
export function untrackProcessGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Ids of the process groups devup still considers live (for tests and diagnostics). */
export function trackedProcessGroups(): number[] {
  return [...liveGroups];
}
