import type pg from 'pg';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import { withAdvisoryLock } from '../lock.js';
import type { TargetWithPlan } from '../target-plans.js';
import type { SqlTarget } from './apply.js';
import { createHistorySql, readHistory, recordBaseline } from './history.js';

/** Marks every migration up to `version` as applied without running it; returns their ids. */
export async function baselineTarget(client: pg.Client, target: SqlTarget, version: bigint): Promise<string[]> {
  return withAdvisoryLock(client, target.schema, async () => {
    await client.query(createHistorySql(target.schema));
    const done = new Set((await readHistory(client, target.schema)).filter((r) => r.success).map((r) => r.version));
    const marked: string[] = [];
    for (const migration of target.migrations) {
      if (migration.version > version || done.has(migration.version)) continue;
      await recordBaseline(client, target.schema, migration);
      marked.push(migration.id);
    }
    return marked;
  });
}

/** Baselines every selected SQL target, each on its own connection; `onMarked` gets the ids marked. */
export async function baselineTargets(
  admin: ConnectionInfo,
  targets: TargetWithPlan[],
  version: bigint,
  onMarked: (target: SqlTarget, marked: string[]) => void,
): Promise<void> {
  for (const { sql } of targets) {
    if (!sql) continue;
    const marked = await withClient(admin, (client) => baselineTarget(client, sql, version), {
      database: sql.database,
    });
    onMarked(sql, marked);
  }
}
