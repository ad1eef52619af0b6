import path from 'node:path';
import { planRedo, type RedoPlan, runRollback } from '../app/redo-migrations.js';
import type { MigrationStepSettings } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { UserError } from '../errors.js';
import { inspectTargets } from '../migrations/inspect.js';
import { targetLabel } from '../migrations/targets.js';

/** Roll back the newest applied migration of one tenant, or roll it back and apply it again. */
export type RollbackMode = 'down' | 'redo';

/** One tenant's step back, as the confirmation names it: the file and the SQL or the command that runs. */
export interface RollbackStep {
  schema: string;
  label: string;
  migration: string;
  /** Relative to the project's root (SQL migrations). */
  file: string | null;
  /** The down section that runs (SQL migrations). */
  sql: string | null;
  /** The tool's own down command (tool migrations), e.g. `alembic downgrade -1`. */
  command: string | null;
}

export interface RollbackSelection {
  service: string;
  tenant: string;
  mode: RollbackMode;
}

const COMMANDS: Record<RollbackMode, string> = {
  down: "the dashboard's roll back",
  redo: "the dashboard's redo",
};

/** The plan `devup migrate redo` makes (one step back), for the one tenant the page chose. */
async function plan(
  config: MigrationStepSettings,
  admin: ConnectionInfo,
  selection: RollbackSelection,
): Promise<RedoPlan> {
  const targets = await inspectTargets(config, admin, { services: [selection.service], tenant: selection.tenant });
  if (targets.length === 0) throw new UserError(`no target of ${selection.service} for tenant ${selection.tenant}`);
  return planRedo(config, admin, targets, COMMANDS[selection.mode]);
}

function describe(root: string, planned: RedoPlan): RollbackStep[] {
  const steps: RollbackStep[] = planned.sql.flatMap(({ target, preview }) =>
    preview.map((m) => {
      const down = target.migrations.find((f) => f.version === m.version)?.down;
      return {
        schema: target.schema,
        label: targetLabel(target),
        migration: m.note ? `${m.name} (${m.note})` : m.name,
        file: down ? path.relative(root, down.file) : null,
        sql: down?.sql ?? null,
        command: null,
      };
    }),
  );
  for (const p of planned.tools) {
    const tool = p.service.migrations?.kind === 'tool' ? p.service.migrations.tool : 'the tool';
    steps.push({
      schema: p.target.schema,
      label: targetLabel(p.target),
      migration: p.rolledBack.join(', '),
      file: null,
      sql: null,
      command: p.runs.map((args) => `${tool} ${args.join(' ')}`).join('; '),
    });
  }
  return steps;
}

/** What a roll back or redo of this tenant would run; runs nothing. */
export async function rollbackPlan(
  config: MigrationStepSettings,
  admin: ConnectionInfo,
  selection: RollbackSelection,
): Promise<RollbackStep[]> {
  return describe(config.root, await plan(config, admin, selection));
}

/**
 * Rolls back the tenant's newest applied migration with the functions `devup migrate redo` uses.
 * The page named the migration it confirmed: when the plan no longer matches it (a file applied or
 * rolled back meanwhile), nothing runs. Returns the migrations rolled back.
 */
export async function rollBackOne(
  config: MigrationStepSettings,
  admin: ConnectionInfo,
  selection: RollbackSelection & { expected: string },
): Promise<string[]> {
  const planned = await plan(config, admin, selection);
  const steps = describe(config.root, planned);
  if (steps.length === 0)
    throw new UserError(`${selection.service} (${selection.tenant}) has nothing applied to roll back`);
  if (steps.map((s) => s.migration).join(', ') !== selection.expected) {
    throw new UserError(
      `the newest applied migration of ${selection.service} (${selection.tenant}) is now ${steps.map((s) => s.migration).join(', ')}, not ${selection.expected}: nothing was rolled back`,
      { hint: 'Ask again: the page reads the state anew.' },
    );
  }
  const done: string[] = [];
  await runRollback(config, admin, planned, {
    report: { rolledBack: (_schema, migrations) => done.push(...migrations) },
    command: COMMANDS[selection.mode],
  });
  return done;
}
