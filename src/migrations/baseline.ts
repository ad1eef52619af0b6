import type pg from 'pg';
import { type ConnectionInfo, withClient } from '../database/connection.js';
import type { SqlTarget } from './apply.js';
import { createHistorySql, historyTable, readHistory } from './history.js';
import type { InspectedTarget } from './inspect.js';
import { withAdvisoryLock } from './lock.js';

/** Marks every migration up to `version` as applied without running it; returns their ids. */
export async function baselineTarget(client: pg.Client, target: SqlTarget, version: bigint): Promise<string[]> {
  return withAdvisoryLock(client, target.schema, async () => {
    await client.query(createHistorySql(target.schema));
    const done = new Set((await readHistory(client, target.schema)).filter((r) => r.success).map((r) => r.version));
    const marked: string[] = [];
    for (const migration of target.migrations) {
      if (migration.version > version || done.has(migration.version)) continue;
      await client.query(
        `insert into ${historyTable(target.schema)} (version, name, checksum, execution_ms, success, transactional, applied_by)
         values ($1, $2, $3, 0, true, $4, current_user || ' (baseline)')
         on conflict (version) do update set checksum = excluded.checksum, success = true, error = null, applied_by = excluded.applied_by`,
        [migration.version.toString(), migration.id, migration.checksum, !migration.up.noTransaction],
      );
      marked.push(migration.id);
    }
    return marked;
  });
}

/** Baselines every selected SQL target, each on its own connection; `onMarked` gets the ids marked. */
export async function baselineTargets(
  admin: ConnectionInfo,
  targets: InspectedTarget[],
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
