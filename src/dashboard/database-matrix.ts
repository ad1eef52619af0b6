import path from 'node:path';
import type { ResolvedConfig, TargetSettings } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { type InspectedTarget, inspectTargets } from '../migrations/inspect.js';
import { targetLabel } from '../migrations/targets.js';

export type CellState = 'applied' | 'pending' | 'failed' | 'changed' | 'tool' | 'empty';

export interface MigrationEntry {
  name: string;
  /** Relative to the project's root. */
  file: string | null;
  /** ISO time it was applied (applied, changed, failed). */
  at: string | null;
  detail?: string | null;
}

/** One target (service × tenant) of the Database page. */
export interface MatrixCell {
  service: string;
  tenant: string;
  schema: string;
  /** The service's own database; undefined for the project's main one. */
  database: string | undefined;
  /** The worst of what it holds: failed, then changed, then pending, then applied. */
  state: CellState;
  applied: MigrationEntry[];
  pending: MigrationEntry[];
  failed: MigrationEntry[];
  changed: MigrationEntry[];
}

function cellOf(root: string, { target, plan, sql }: InspectedTarget): MatrixCell {
  const relative = (file: string | undefined) => (file === undefined ? null : path.relative(root, file));
  const cell: MatrixCell = { ...target, state: 'applied', applied: [], pending: [], failed: [], changed: [] };
  if (!sql || !plan) return { ...cell, state: 'tool' };
  cell.applied = plan.applied.map(({ migration, row }) => ({
    name: row.name,
    file: relative(migration?.up.file),
    at: row.appliedAt.toISOString(),
  }));
  cell.pending = plan.pending.map((m) => ({ name: m.id, file: relative(m.up.file), at: null }));
  cell.failed = plan.blocked.map(({ migration, row }) => ({
    name: row.name,
    file: relative(migration?.up.file),
    at: row.appliedAt.toISOString(),
    detail: row.error,
  }));
  cell.changed = plan.changed.map(({ migration, row }) => ({
    name: row.name,
    file: relative(migration.up.file),
    at: row.appliedAt.toISOString(),
  }));
  cell.state =
    cell.failed.length > 0
      ? 'failed'
      : cell.changed.length > 0
        ? 'changed'
        : cell.pending.length > 0
          ? 'pending'
          : cell.applied.length > 0
            ? 'applied'
            : 'empty';
  return cell;
}

/** Every target's migration state, read as `devup migrate status` reads it (one query per database). */
export async function readMatrix(
  config: TargetSettings & Pick<ResolvedConfig, 'root'>,
  admin: ConnectionInfo,
): Promise<MatrixCell[]> {
  const inspected = await inspectTargets(config, admin, {});
  return inspected.map((t) => cellOf(config.root, t));
}

/** The SQL an "apply pending" would run, per target, for the page to show before asking. */
export async function pendingSql(
  config: TargetSettings,
  admin: ConnectionInfo,
  services: readonly string[],
): Promise<{ schema: string; label: string; name: string; sql: string }[]> {
  const inspected = await inspectTargets(config, admin, { services: [...services] });
  return inspected.flatMap(({ target, plan }) =>
    // The label as every other output names a target: `ingestion (public)`, not a bare `public`.
    (plan?.pending ?? []).map((m) => ({
      schema: target.schema,
      label: targetLabel(target),
      name: m.id,
      sql: m.up.sql,
    })),
  );
}
