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
  const { fileOf, rowOf } = pairByVersion(migrations, history);
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
  for (let index = 0; index < history.length; index++) {
    const row = history[index] as HistoryRow;
    const migration = fileOf[index];
    if (!row.success) {
      if (row.transactional) plan.retried.push(row);
      else plan.blocked.push({ migration, row });
      continue;
    }
    if (!migration) plan.missing.push(row);
    else if (migration.checksum !== row.checksum) plan.changed.push({ migration, row });
    else plan.applied.push({ migration, row });
  }
  for (let index = 0; index < migrations.length; index++) {
    const migration = migrations[index] as Migration;
    const row = rowOf[index];
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

function isSorted(list: readonly { version: bigint }[]): boolean {
  for (let i = 1; i < list.length; i++) {
    if ((list[i - 1] as { version: bigint }).version > (list[i] as { version: bigint }).version) return false;
  }
  return true;
}

/**
 * Each history row's file and each file's row, matched by version. Both lists normally come
 * sorted (discovery sorts, the query orders), and then one merge pairs them: two Maps keyed by
 * bigint per target were the most of planning's time at 250 targets (hashing a bigint is slow).
 */
function pairByVersion(
  migrations: readonly Migration[],
  history: readonly HistoryRow[],
): { fileOf: (Migration | undefined)[]; rowOf: (HistoryRow | undefined)[] } {
  const fileOf = new Array<Migration | undefined>(history.length).fill(undefined);
  const rowOf = new Array<HistoryRow | undefined>(migrations.length).fill(undefined);
  if (!isSorted(migrations)) {
    const rows = new Map(history.map((row) => [row.version, row]));
    const files = new Map(migrations.map((m) => [m.version, m]));
    for (let j = 0; j < history.length; j++) fileOf[j] = files.get((history[j] as HistoryRow).version);
    for (let i = 0; i < migrations.length; i++) rowOf[i] = rows.get((migrations[i] as Migration).version);
    return { fileOf, rowOf };
  }
  let i = 0;
  for (let j = 0; j < history.length; j++) {
    const row = history[j] as HistoryRow;
    while (i < migrations.length && (migrations[i] as Migration).version < row.version) i++;
    const migration = migrations[i];
    if (migration?.version === row.version) {
      fileOf[j] = migration;
      rowOf[i] = row;
    }
  }
  return { fileOf, rowOf };
}

export function isUpToDate(plan: TargetPlan): boolean {
  return plan.pending.length === 0 && plan.changed.length === 0 && plan.blocked.length === 0;
}
