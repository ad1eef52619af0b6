import type pg from 'pg';
import { historyTable } from './history.js';
import { withAdvisoryLock } from './lock.js';
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
      description: `forget the failed run of ${row.name} (${row.error ?? 'failed'}) so it runs again`,
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
      if (action.kind === 'accept-checksum') {
        await client.query(`update ${historyTable(schema)} set checksum = $2 where version = $1`, [
          action.version.toString(),
          checksums.get(action.version),
        ]);
      } else {
        await client.query(`delete from ${historyTable(schema)} where version = $1 and not success`, [
          action.version.toString(),
        ]);
      }
    }
  });
}
