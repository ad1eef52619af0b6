import type { Migration } from '../migration.js';
import { runsInContext } from './contexts.js';
import type { HistoryRow } from './history.js';

/** How a target's files compare with its history table. */
export interface TargetPlan {
  /** Not applied yet (or failed inside a transaction, so safe to retry), in version order. */
  pending: Migration[];
  /** Applied and unchanged. */
  applied: { migration: Migration | undefined; row: HistoryRow }[];
  /** Applied, but the file's checksum differs from the recorded one. */
  changed: { migration: Migration; row: HistoryRow }[];
  /** Recorded as applied, but no file has that version any more. */
  missing: HistoryRow[];
  /** Pending migrations older than the newest applied one (two branches merged). */
  outOfOrder: Migration[];
  /** Failed or interrupted outside a transaction: partly applied, needs a person. */
  blocked: { migration: Migration | undefined; row: HistoryRow }[];
  /** Failed inside a transaction: nothing was applied; it is pending again. */
  retried: HistoryRow[];
  /** Not applied, and declared for contexts this run does not run: left alone. */
  skipped: Migration[];
}

/**
 * `contexts`: the contexts of this run (undefined: every migration counts). A migration declared
 * for other contexts is skipped, not pending; once applied it stays applied whatever the context.
 */
export function planTarget(
  migrations: readonly Migration[],
  unordered: readonly HistoryRow[],
  contexts?: readonly string[],
): TargetPlan {
  // Versions are numbers: every list of the plan reads 2 before 10, whatever order the rows came in.
  // The history comes ordered from the query: copied and sorted only when it is not.
  const history = isSorted(unordered)
    ? unordered
    : [...unordered].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  const rows = new Map(history.map((row) => [row.version, row]));
  const files = new Map(migrations.map((m) => [m.version, m]));
  const plan: TargetPlan = {
    pending: [],
    applied: [],
    changed: [],
    missing: [],
    outOfOrder: [],
    blocked: [],
    retried: [],
    skipped: [],
  };
  let newestApplied: bigint | undefined;
  for (const row of history) {
    if (row.success && (newestApplied === undefined || row.version > newestApplied)) newestApplied = row.version;
  }
  for (const row of history) {
    const migration = files.get(row.version);
    if (!row.success) {
      if (row.transactional) plan.retried.push(row);
      else plan.blocked.push({ migration, row });
      continue;
    }
    if (!migration) plan.missing.push(row);
    else if (migration.checksum !== row.checksum) plan.changed.push({ migration, row });
    else plan.applied.push({ migration, row });
  }
  for (const migration of migrations) {
    const row = rows.get(migration.version);
    if (row && (row.success || !row.transactional)) continue;
    if (!runsInContext(migration.contexts, contexts)) {
      plan.skipped.push(migration);
      continue;
    }
    plan.pending.push(migration);
    // One declared for some contexts is behind newer ones by design (skipped by earlier runs).
    const behind = newestApplied !== undefined && migration.version < newestApplied;
    if (behind && migration.contexts === undefined) plan.outOfOrder.push(migration);
  }
  return plan;
}

function isSorted(rows: readonly HistoryRow[]): boolean {
  for (let i = 1; i < rows.length; i++)
    if ((rows[i - 1] as HistoryRow).version > (rows[i] as HistoryRow).version) return false;
  return true;
}

export function isUpToDate(plan: TargetPlan): boolean {
  return plan.pending.length === 0 && plan.changed.length === 0 && plan.blocked.length === 0;
}
