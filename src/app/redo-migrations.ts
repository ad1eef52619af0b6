import type { MigrationStepSettings, ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import type { InspectedTarget } from '../migrations/inspect.js';
import {
  type PlannedRollback,
  planRollbacks,
  requireDownMigrations,
  rollbackTargets,
} from '../migrations/sql/rollback.js';
import { type MigrationStepResult, runMigrationStep } from '../migrations/step/migration-step.js';
import type { ToolInvocationSettings } from '../migrations/tools/tool-invocation.js';
import type { ToolRollback } from '../migrations/tools/tool-rollback.js';
import { MigrationProgress } from '../ui/migration-progress.js';
import type { Output } from '../ui/output.js';

const COMMAND = 'devup migrate redo';

/** What a redo takes back per tenant before migrating again: SQL down sections, or the tool's down step. */
export interface RedoPlan {
  sql: PlannedRollback[];
  tools: ToolRollback[];
}

/** One step back per selected tenant that has something applied (a redo's, or a one-step down's); starts no tool. */
export async function planRedo(
  config: MigrationStepSettings,
  admin: ConnectionInfo,
  targets: InspectedTarget[],
  command = COMMAND,
): Promise<RedoPlan> {
  const sql = planRollbacks(
    targets.filter((t) => t.sql),
    { steps: 1 },
  );
  requireDownMigrations(sql);
  const toolTargets = targets.filter((t) => !t.sql).map((t) => ({ service: t.service.service, target: t.target }));
  if (toolTargets.length === 0) return { sql, tools: [] };
  const { planToolRollbacks } = await import('../migrations/tools/tool-rollback.js');
  const tools = await planToolRollbacks(config, admin, toolTargets, { steps: 1, to: undefined }, command);
  return { sql, tools: tools.filter((p) => p.rolledBack.length > 0) };
}

/** The lines a person confirms: per tenant, what goes down and comes up again. */
export function describeRedo(plan: RedoPlan): string[] {
  const lines = plan.sql.map(({ target, preview }) => {
    const names = preview.map((m) => (m.note ? `${m.name} (${m.note})` : m.name));
    return `  ${target.schema}: ${names.join(', ')}   (its down section, then migrate)`;
  });
  for (const p of plan.tools) {
    const tool = p.service.migrations?.kind === 'tool' ? p.service.migrations.tool : 'the tool';
    const how = p.runs.map((args) => args.slice(0, 2).join(' ')).join(', ');
    lines.push(`  ${p.target.schema}: ${p.rolledBack.join(', ')}   (${tool} ${how}, then migrate)`);
  }
  return lines;
}

/** What a rollback reports as it goes: each tenant rolled back, and the tool's own lines. */
export interface RollbackReport {
  rolledBack(schema: string, migrations: string[]): void;
  toolOutput?(line: string): void;
}

/** The report of a terminal command: one line and one JSON event per tenant rolled back. */
export function outputReport(output: Output): RollbackReport {
  return {
    rolledBack: (schema, migrations) => {
      output.line(`  ${output.style('green', '✔')} ${schema}: rolled back ${migrations.join(', ')}`);
      output.event({ event: 'rolled-back', schema, migrations });
    },
    toolOutput: (line) => output.debug(`  ${line}`),
  };
}

/**
 * Takes back what was confirmed, one step per tenant: the SQL down sections, then each tool's own
 * down command. The first half of a redo, and all of the dashboard's "roll back".
 */
export async function runRollback(
  config: ToolInvocationSettings & Pick<ResolvedConfig, 'stateDir'>,
  admin: ConnectionInfo,
  plan: RedoPlan,
  options: { report: RollbackReport; signal?: AbortSignal | undefined; command?: string },
): Promise<void> {
  const { report } = options;
  await rollbackTargets(admin, plan.sql, { steps: 1 }, (target, done) => report.rolledBack(target.schema, done));
  if (plan.tools.length === 0) return;
  const { runToolRollback } = await import('../migrations/tools/tool-rollback.js');
  for (const p of plan.tools) {
    await runToolRollback(config, admin, p, {
      onOutput: (line) => report.toolOutput?.(line),
      signal: options.signal,
      command: options.command ?? COMMAND,
    });
    report.rolledBack(p.target.schema, p.rolledBack);
  }
}

/**
 * Rolls back what was confirmed, then migrates the same service and tenant again (the migration
 * rolled back, and whatever else is pending). Throws the migration step's first failure.
 */
export async function runRedo(
  config: MigrationStepSettings,
  admin: ConnectionInfo,
  plan: RedoPlan,
  selection: { service: string; tenant: string | undefined },
  options: { output: Output; signal?: AbortSignal },
): Promise<MigrationStepResult> {
  const { output } = options;
  await runRollback(config, admin, plan, { report: outputReport(output), signal: options.signal });
  const progress = new MigrationProgress(output);
  const result = await runMigrationStep(config, admin, {
    services: [selection.service],
    tenant: selection.tenant,
    onPlanned: (targets) => progress.planned(targets),
    onEvent: (event) => progress.event(event),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await progress.finish();
  if (result.failure) throw result.failure;
  return result;
}
