import { editedSinceApplied } from './applied-files.js';
import { hashRows } from './content-hash.js';
import type { ToolFingerprint } from './fingerprint-store.js';
import type { ToolAdapter } from './tool-adapter.js';
import type { ToolFiles } from './tool-files.js';
import type { TargetState } from './tool-history.js';

/** The cheap check before spawning an external tool. */
export interface ToolCheck {
  upToDate: boolean;
  /** Ids of pending migrations where they can be known (else a single "(why)" entry). */
  pending: string[];
  /** A problem in the files themselves (Alembic's several heads): an error under --strict. */
  filesProblem?: string | undefined;
  /** The tool's history table is missing or empty: nothing was applied here yet (seed data may go here). */
  fresh?: boolean;
  /** Applied migrations whose file changed since they were applied (the tool will not run them again). */
  edited?: string[];
  /** Pending migrations still the tool's empty template (Alembic: upgrade() is only `pass`). */
  unwritten?: string[];
}

/** What to record after a successful run, and to compare with before the next one. */
export function currentFingerprint(
  adapter: ToolAdapter,
  files: ToolFiles,
  state: TargetState,
  applied?: { hashes?: Record<string, string> | undefined; unwritten?: string[] | undefined },
  contexts: readonly string[] = [],
): ToolFingerprint {
  return {
    // A run in another context applies other changesets: the same files are not the same state.
    ...(adapter.tool === 'liquibase' ? { contexts: contexts.join(',') } : {}),
    tool: adapter.tool,
    files: files.hash,
    history: adapter.history?.fingerprinted && state.rows ? hashRows(state.rows) : '',
    identity: state.identity,
    ...(applied?.hashes ? { applied: applied.hashes } : {}),
    ...(applied?.unwritten && applied.unwritten.length > 0 ? { unwritten: applied.unwritten } : {}),
    recordedAt: new Date().toISOString(),
  };
}

/** Why a recorded fingerprint no longer matches, or undefined when it does. */
function fingerprintChange(recorded: ToolFingerprint | undefined, current: ToolFingerprint): string | undefined {
  if (!recorded || recorded.tool !== current.tool) return 'not run by devup yet';
  if (recorded.identity !== current.identity) return 'database re-created';
  if (recorded.files !== current.files) return 'migration files changed';
  if (recorded.history !== current.history) return 'history table changed';
  if (recorded.contexts !== current.contexts) return `contexts changed (now ${current.contexts})`;
  return undefined;
}

/** What the history table says against the files, leaving the recorded fingerprint aside. */
export function historyStatus(adapter: ToolAdapter, files: ToolFiles, state: TargetState): ToolCheck {
  if (files.problem) return { upToDate: false, pending: [`(${files.problem})`] };
  if (adapter.history && state.rows === undefined) {
    const ids = files.set?.ids ?? [];
    return { upToDate: false, pending: ids.length > 0 ? ids : ['(not applied yet)'] };
  }
  if (!files.set || !state.rows) return { upToDate: true, pending: [] };
  const status = files.set.status(state.rows);
  const pending = status.problem ? [...status.pending, `(${status.problem})`] : status.pending;
  return { upToDate: pending.length === 0, pending };
}

/**
 * Up to date only when the history agrees with the files (where devup can read them) AND the
 * files, history and database are the ones recorded after the tool last succeeded: anything
 * changed or unknown means run (the tool itself then decides there is nothing to do).
 */
export function decideToolCheck(
  adapter: ToolAdapter,
  files: ToolFiles,
  state: TargetState,
  recorded: ToolFingerprint | undefined,
  contexts: readonly string[] = [],
): ToolCheck {
  const status = historyStatus(adapter, files, state);
  const edited = editedSinceApplied(files.set, state.rows, recorded);
  const unwritten = status.pending.filter((id) => files.set?.unwritten?.has(id));
  const problem = {
    ...(unwritten.length > 0 ? { unwritten } : {}),
    ...(files.set?.problem ? { filesProblem: files.set.problem } : {}),
    ...(edited.length > 0 ? { edited } : {}),
    ...(adapter.history && (state.rows === undefined || state.rows.length === 0) ? { fresh: true } : {}),
  };
  if (!status.upToDate) return { ...status, ...problem };
  const change = fingerprintChange(recorded, currentFingerprint(adapter, files, state, undefined, contexts));
  return change ? { upToDate: false, pending: [`(${change})`], ...problem } : { ...status, ...problem };
}

/** Ids that were pending before a run and are not after it (real ids only, not "(why)" entries). */
export function appliedBetween(before: ToolCheck, after: ToolCheck): string[] {
  const still = new Set(after.pending);
  return before.pending.filter((id) => !id.startsWith('(') && !still.has(id));
}
