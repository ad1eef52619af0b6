/**
 * The last-resort cleanups that must run if devup's process exits without its orderly shutdown
 * (an uncaught error, process.exit from a signal handler): kill the process groups it started,
 * remove a throwaway Postgres, remove state files, release the dev-session claim, put the
 * terminal back.
 *
 * One `process.on('exit')` listener runs them all, installed while at least one hook is
 * registered. Node runs 'exit' listeners synchronously and drops anything asynchronous, so a hook
 * must do its work synchronously (kill(), rmSync, execFileSync).
 *
 * Order: newest first, like nested cleanups. What was set up later and sits on what came before
 * (the services' process groups on the state file, both on the dev-session claim) is undone
 * before it. Each hook runs at most once; one that throws does not stop the others (the process
 * is leaving, and nobody could act on the error).
 */
export type ExitHook = () => void;

const hooks: ExitHook[] = [];
let listening = false;

/** Registers `hook` for process exit; the returned function removes it again (idempotent). */
export function addExitHook(hook: ExitHook): () => void {
  // A wrapper of its own, so the same function added twice is two registrations, each removable.
  const entry: ExitHook = () => hook();
  hooks.push(entry);
  if (!listening) {
    process.on('exit', runExitHooks);
    listening = true;
  }
  return () => {
    const index = hooks.indexOf(entry);
    if (index >= 0) hooks.splice(index, 1);
    if (hooks.length === 0) stopListening();
  };
}

/** Runs every registered hook, newest first, and forgets them: the 'exit' listener itself. */
export function runExitHooks(): void {
  const due = hooks.splice(0).reverse();
  stopListening();
  for (const hook of due) {
    try {
      hook();
    } catch {
      // best effort: see the module comment
    }
  }
}

/** How many hooks would run at exit now (for tests and diagnostics). */
export function pendingExitHooks(): number {
  return hooks.length;
}

function stopListening(): void {
  if (!listening) return;
  process.off('exit', runExitHooks);
  listening = false;
}
