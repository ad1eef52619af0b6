import type pg from 'pg';
import type { TargetSettings } from '../config/types.js';
import { type ConnectionInfo, isMissingDatabase, withClient } from '../database/connection/connection.js';
import type { SqlTarget } from './sql/apply.js';
import { readHistories } from './sql/history.js';
import { planTarget, type TargetPlan } from './sql/plan.js';
import { collectTargets, type ServiceTargets, type TargetBase } from './targets.js';

export interface InspectedTarget {
  service: ServiceTargets;
  target: TargetBase;
  /** Undefined for targets run by an external tool. */
  sql: SqlTarget | undefined;
  plan: TargetPlan | undefined;
}

/**
 * Plans every SQL target against its history: one query per database, whatever the number of
 * targets. A service database that does not exist yet has no history. Tool targets get no plan.
 */
export async function planTargets(
  admin: ConnectionInfo,
  client: pg.Client,
  services: ServiceTargets[],
): Promise<InspectedTarget[]> {
  const byDatabase = new Map<string | undefined, { service: ServiceTargets; target: TargetBase }[]>();
  for (const service of services) {
    for (const target of service.targets) {
      // Appended in place: a copy per target was quadratic (250 targets in one database: ~30k copies).
      const entries = byDatabase.get(target.database);
      if (entries) entries.push({ service, target });
      else byDatabase.set(target.database, [{ service, target }]);
    }
  }
  const result: InspectedTarget[] = [];
  for (const [database, entries] of byDatabase) {
    const schemas = entries.filter((e) => e.service.migrations).map((e) => e.target.schema);
    const read = (c: pg.Client) => readHistories(c, schemas);
    const histories =
      schemas.length === 0
        ? new Map()
        : database === undefined
          ? await read(client)
          : await withClient(admin, read, { database }).catch((error: unknown) => {
              if (isMissingDatabase(error)) return new Map();
              throw error;
            });
    for (const { service, target } of entries) {
      const { migrations, contexts, bootstrap } = service;
      result.push({
        service,
        target,
        sql: migrations ? { ...target, migrations, contexts, bootstrap } : undefined,
        plan: migrations ? planTarget(migrations, histories.get(target.schema) ?? [], contexts) : undefined,
      });
    }
  }
  return result;
}

/** Every selected target with its plan (SQL targets), for status, dry-run, down, repair, baseline. */
export async function inspectTargets(
  config: TargetSettings,
  admin: ConnectionInfo,
  options: { services?: string[] | undefined; tenant?: string | undefined; client?: pg.Client | undefined },
): Promise<InspectedTarget[]> {
  const inspect = async (client: pg.Client) => {
    const services = await collectTargets(config, { ...options, query: (sql: string) => client.query(sql) });
    return planTargets(admin, client, services);
  };
  // A caller with an open connection (status reads tool histories on it too) saves a connect.
  return options.client ? inspect(options.client) : withClient(admin, inspect);
}
