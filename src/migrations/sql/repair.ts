import type pg from 'pg';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import { withAdvisoryLock } from '../lock.js';
import type { TargetWithPlan } from '../target-plans.js';
import type { SqlTarget } from './apply.js';
import { acceptChecksum, forgetFailedRun, isUnfinishedRollback } from './history.js';
import type { TargetPlan } from './plan.js';

export interface RepairAction {
  kind: 'accept-checksum' | 'clear-failed';
  version: bigint;
  name: string;
  description: string;
}

/** What `devup migrate repair` would change for a target, for people to read first. */
export function planRepair(plan: TargetPlan): RepairAction[] {
  const actions: RepairAction[] = [];
  for (const { migration, row } of plan.changed) {
    actions.push({
      kind: 'accept-checksum',
      version: row.version,
      name: row.name,
      description: `accept the current file of ${migration.id} (checksum ${row.checksum.slice(0, 8)} → ${migration.checksum.slice(0, 8)})`,
    });
  }
  for (const { row } of plan.blocked) {
    actions.push({
      kind: 'clear-failed',
      version: row.version,
      name: row.name,
      description: isUnfinishedRollback(row)
        ? `forget the unfinished rollback of ${row.name} (${row.error}) so it is applied again`
        : `forget the failed run of ${row.name} (${row.error ?? 'failed'}) so it runs again`,
    });
  }
  for (const row of plan.retried) {
    actions.push({
      kind: 'clear-failed',
      version: row.version,
      name: row.name,
      description: `forget the failed run of ${row.name}`,
    });
  }
  return actions;
}

export async function applyRepair(
  client: pg.Client,
  schema: string,
  actions: RepairAction[],
  checksums: Map<bigint, string>,
): Promise<void> {
  await withAdvisoryLock(client, schema, async () => {
    for (const action of actions) {
      if (action.kind === 'accept-checksum')
        await acceptChecksum(client, schema, action.version, checksums.get(action.version));
      else await forgetFailedRun(client, schema, action.version);
    }
  });
}

/** A target with the history changes repair would make there. */
export interface PlannedRepair {
  target: SqlTarget;
  actions: RepairAction[];
}

/** Every selected SQL target whose history needs a repair. */
export function planRepairs(targets: TargetWithPlan[]): PlannedRepair[] {
  return targets
    .flatMap(({ sql, plan }) => (sql && plan ? [{ target: sql, actions: planRepair(plan) }] : []))
    .filter((t) => t.actions.length > 0);
}

/** Applies each planned repair on its own connection, under the target's lock. */
export async function repairTargets(
  admin: ConnectionInfo,
  planned: PlannedRepair[],
  onRepaired: (repaired: PlannedRepair) => void,
): Promise<void> {
  for (const repair of planned) {
    const { target, actions } = repair;
    const checksums = new Map(target.migrations.map((m) => [m.version, m.checksum]));
    await withClient(admin, (client) => applyRepair(client, target.schema, actions, checksums), {
      database: target.database,
    });
    onRepaired(repair);
  }
}
