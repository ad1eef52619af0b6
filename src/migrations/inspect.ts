import type pg from 'pg';
import type { ResolvedConfig } from '../config/types.js';
import { type ConnectionInfo, withClient } from '../database/connection.js';
import type { SqlTarget } from './apply.js';
import { readHistories } from './history.js';
import { planTarget, type TargetPlan } from './plan.js';
import { collectTargets, type ServiceTargets, type TargetBase } from './targets.js';

export interface InspectedTarget {
  service: ServiceTargets;
  target: TargetBase;
  /** Undefined for targets run by an external tool. */
  sql: SqlTarget | undefined;
  plan: TargetPlan | undefined;
}

/** Every selected target with its plan (SQL targets); one history query per database. */
export async function inspectTargets(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  options: { services?: string[] | undefined; tenant?: string | undefined },
): Promise<InspectedTarget[]> {
  return withClient(admin, async (client) => {
    const services = await collectTargets(config, { ...options, query: (sql: string) => client.query(sql) });
    const result: InspectedTarget[] = [];
    const databases = new Set(services.flatMap((s) => s.targets.map((t) => t.database)));
    for (const database of databases) {
      const entries = services.flatMap((s) => s.targets.filter((t) => t.database === database).map((t) => ({ s, t })));
      const read = (c: pg.Client) =>
        readHistories(
          c,
          entries.filter((e) => e.s.migrations).map((e) => e.t.schema),
        );
      const histories =
        database === undefined
          ? await read(client)
          : await withClient(admin, read, { database }).catch(() => new Map());
      for (const { s, t } of entries) {
        const sql = s.migrations ? { ...t, migrations: s.migrations } : undefined;
        const plan = s.migrations ? planTarget(s.migrations, histories.get(t.schema) ?? []) : undefined;
        result.push({ service: s, target: t, sql, plan });
      }
    }
    return result;
  });
}
