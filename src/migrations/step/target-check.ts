import type pg from 'pg';
import type { MigrationStepSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { planTargets } from '../inspect.js';
import { ensureDatabases, ownDatabases, setUpMainDatabase, setUpServiceDatabases } from '../service-databases.js';
import { isUpToDate, type TargetPlan } from '../sql/plan.js';
import { collectTargets, type ServiceTargets, type TargetBase } from '../targets.js';
import type { ToolCheck } from '../tools/tool-runner.js';
import type { StepEvent } from './step-outcomes.js';

/** External tools' adapters load only for projects that use one. */
export const toolRunner = () => import('../tools/tool-runner.js');

/** A selected target and what its check found: a SQL plan, or its external tool's answer. */
export interface TargetWork {
  service: ServiceTargets;
  target: TargetBase;
  sqlPlan?: TargetPlan;
  toolCheck?: ToolCheck;
  pending: string[];
}

export function needsWork(work: TargetWork): boolean {
  return work.sqlPlan ? !isUpToDate(work.sqlPlan) : work.toolCheck ? !work.toolCheck.upToDate : false;
}

/** Nothing had been applied to this target before (seed data goes only there). */
export function isFresh(work: TargetWork): boolean {
  const plan = work.sqlPlan;
  return plan ? plan.applied.length + plan.changed.length + plan.missing.length === 0 : work.toolCheck?.fresh === true;
}

export interface TargetCheckOptions {
  services?: string[] | undefined;
  tenant?: string | undefined;
  checkOnly?: boolean | undefined;
  readOnly?: boolean | undefined;
  createDatabases?: boolean | undefined;
}

/**
 * Collects the selected targets and checks each against its history, one round trip per
 * database. Unless read-only, services' missing databases are created first; when about to
 * apply, `database.extensions` and `database.init` run too.
 */
export async function checkTargets(
  config: MigrationStepSettings,
  admin: ConnectionInfo,
  client: pg.Client,
  options: TargetCheckOptions,
  emit: (event: StepEvent) => void,
): Promise<TargetWork[]> {
  const services = await collectTargets(config, {
    services: options.services,
    tenant: options.tenant,
    query: (sql) => client.query(sql),
    recordChecksums: !options.readOnly,
  });
  const databases = ownDatabases(config, options.services);
  const report = (database: string, result: { done: string[]; warnings: string[] }) => {
    if (result.done.length > 0 || result.warnings.length > 0) emit({ type: 'database-setup', database, ...result });
  };
  const setUp = !options.readOnly && !options.checkOnly;
  // The init files first: one written for the Postgres image creates the services' databases
  // itself. Whenever devup may create those databases (--skip-migrations too), as the image runs
  // its init scripts whatever comes after: else the file's CREATE DATABASE would meet devup's.
  if (!options.readOnly) await setUpMainDatabase(config, admin, client, report);
  // A database that does not exist yet has no history: read-only checks report it as all pending.
  if (!options.readOnly) {
    await ensureDatabases(client, databases, {
      create: options.createDatabases ?? true,
      where: `${admin.host}:${admin.port}`,
    });
  }
  if (setUp) await setUpServiceDatabases(config, admin, [...new Set(databases.map((d) => d.name))], report);
  const works: TargetWork[] = [];
  for (const { service, target, plan } of await planTargets(admin, client, services)) {
    if (plan) {
      const pending = plan.pending.map((m) => m.id);
      works.push({ service, target, sqlPlan: plan, pending });
      emit({ type: 'checked', target, pending, upToDate: isUpToDate(plan) });
    } else {
      const check = await (await toolRunner()).checkToolTarget(config, service.service, target, admin, client);
      works.push({ service, target, toolCheck: check, pending: check.pending });
      emit({ type: 'checked', target, pending: check.pending, upToDate: check.upToDate });
    }
  }
  return works;
}
