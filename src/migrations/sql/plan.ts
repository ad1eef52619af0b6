import type { Migration } from '../migration.js';
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
}

export function planTarget(migrations: readonly Migration[], unordered: readonly HistoryRow[]): TargetPlan {
  // Versions are numbers: every list of the plan reads 2 before 10, whatever order the rows came in.
  const history = [...unordered].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
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
    plan.pending.push(migration);
    if (newestApplied !== undefined && migration.version < newestApplied) plan.outOfOrder.push(migration);
  }
  return plan;
}

export function isUpToDate(plan: TargetPlan): boolean {
  return plan.pending.length === 0 && plan.changed.length === 0 && plan.blocked.length === 0;
}
