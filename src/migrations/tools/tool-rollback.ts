import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import type { TargetBase } from '../targets.js';
import { toolAdapter } from './adapters.js';
import { alembicGraphOf } from './alembic.js';
import { planAlembicDowngrade } from './alembic-plan.js';
import { fingerprintKey, invalidateFingerprint, readFingerprint } from './fingerprint-store.js';
import type { MigrationSet, ToolAdapter, ToolHistoryRow } from './tool-adapter.js';
import { readToolFiles } from './tool-files.js';
import type { ToolInvocationSettings } from './tool-invocation.js';
import {
  prepareToolInvocation,
  readStateFor,
  runToolCommand,
  type ToolInvocation,
  toolSettings,
  withTargetLock,
} from './tool-invocation.js';
import { toolProgram, withArgs } from './tool-program.js';

export interface RollbackRequest {
  steps: number;
  /** A revision, migration id or version; `base` means everything. */
  to: string | undefined;
}

/** One tenant's rollback: what it undoes (newest first) and the tool's arguments, run in order. */
export interface ToolRollback {
  service: ServiceSettings;
  target: TargetBase;
  rolledBack: string[];
  runs: string[][];
}

/** Why a tool has no down step devup can drive: `devup migrate down` says so and exits 1. */
const CANNOT_ROLL_BACK: Partial<Record<ToolAdapter['tool'], string>> = {
  flyway: "Flyway's undo needs Flyway Teams; write a new versioned migration that reverses the change",
  liquibase:
    'run `liquibase rollback-count <n>` (or rollback <tag>) yourself; devup does not drive Liquibase rollbacks',
  prisma: 'Prisma Migrate has no down migrations; write a new migration that reverses the change',
  command: 'migrations.command has no down step; roll back with the tool it runs',
};

/** The applied ids to undo for tools that roll back one recorded migration at a time. */
function lastApplied(applied: readonly string[], request: RollbackRequest, adapter: ToolAdapter): string[] {
  if (request.to === undefined) return applied.slice(-request.steps).reverse();
  if (request.to === 'base') return [...applied].reverse();
  // dbmate's ids are file names; its users name a migration by its version (the leading digits).
  const index = applied.findIndex((id) => id === request.to || id.startsWith(`${request.to}_`));
  if (index < 0) {
    throw new UserError(`--to ${request.to}: no applied ${adapter.tool} migration has that name or version`, {
      hint: `Applied: ${applied.join(', ') || '(none)'}, or "base" for all of them.`,
    });
  }
  return applied.slice(index + 1).reverse();
}

function planOne(
  adapter: ToolAdapter,
  set: MigrationSet,
  rows: readonly ToolHistoryRow[],
  request: RollbackRequest,
  invocation: ToolInvocation,
  target: TargetBase,
  unwritten: ReadonlySet<string>,
): { rolledBack: string[]; runs: string[][] } {
  const ids = rows.map((r) => r.id ?? '');
  if (adapter.tool === 'alembic') {
    const graph = alembicGraphOf(set);
    if (!graph) throw new Error('alembic files parsed without a graph');
    const plan = planAlembicDowngrade(graph, ids, request, target.schema);
    if (plan.rolledBack.length === 0) return { rolledBack: [], runs: [] };
    // Applied while upgrade() was still `pass`: nothing ran, so nothing is undone (the edited
    // downgrade() would undo what never happened): only alembic_version steps back.
    const how = plan.rolledBack.every((id) => unwritten.has(id)) ? 'stamp' : 'downgrade';
    return { rolledBack: plan.rolledBack, runs: [[how, plan.revision]] };
  }
  const rolledBack = lastApplied(set.applied(rows), request, adapter);
  if (adapter.tool === 'dbmate') return { rolledBack, runs: rolledBack.map(() => ['rollback']) };
  // node-pg-migrate: the same schema and directory as its `up`.
  const { schema, migrationsDir } = invocation.context;
  return {
    rolledBack,
    runs: rolledBack.length > 0 ? [['down', String(rolledBack.length), '--schema', schema, '-m', migrationsDir]] : [],
  };
}

/** Reads each tenant's history and plans its rollback; starts no tool. */
export async function planToolRollbacks(
  config: ToolInvocationSettings & Pick<ResolvedConfig, 'stateDir'>,
  admin: ConnectionInfo,
  targets: readonly { service: ServiceSettings; target: TargetBase }[],
  request: RollbackRequest,
  command = 'devup migrate down',
): Promise<ToolRollback[]> {
  const plans: ToolRollback[] = [];
  await withClient(admin, async (client) => {
    for (const { service, target } of targets) {
      const settings = toolSettings(service);
      const adapter = toolAdapter(settings.tool);
      const why = CANNOT_ROLL_BACK[adapter.tool];
      if (why || !adapter.history) {
        throw new UserError(`${command} cannot roll back ${adapter.tool} (services.${service.name})`, {
          hint: why ?? 'Roll back with the tool itself.',
        });
      }
      const files = readToolFiles(adapter, settings, config.stateDir);
      if (!files.set) {
        throw new UserError(
          `${target.schema}: cannot plan a rollback: ${files.problem ?? 'the files are unreadable'}`,
          {
            hint: 'Fix the migration files (devup migrate status names the problem), or roll back with the tool itself.',
          },
        );
      }
      const state = await readStateFor(target, admin, client, adapter.history);
      const invocation = await prepareToolInvocation(config, service, target, admin);
      // A program devup cannot derive is reported now, before anyone is asked to confirm.
      toolProgram(adapter, settings, service.name, invocation.context);
      const unwritten = new Set(readFingerprint(config.stateDir, fingerprintKey(target))?.unwritten ?? []);
      const plan = planOne(adapter, files.set, state.rows ?? [], request, invocation, target, unwritten);
      plans.push({ service, target, ...plan });
    }
  });
  return plans;
}

/** Runs one tenant's planned rollback under the schema's migration lock. */
export async function runToolRollback(
  config: ToolInvocationSettings & Pick<ResolvedConfig, 'stateDir'>,
  admin: ConnectionInfo,
  plan: ToolRollback,
  options: { onOutput: (line: string) => void; signal?: AbortSignal | undefined; command?: string },
): Promise<void> {
  const invocation = await prepareToolInvocation(config, plan.service, plan.target, admin);
  const program = toolProgram(invocation.adapter, invocation.settings, plan.target.service, invocation.context);
  const retry = `${options.command ?? 'devup migrate down'} again (--service ${plan.target.service} --tenant ${plan.target.tenant})`;
  try {
    await withTargetLock(
      admin,
      plan.target,
      async () => {
        for (const args of plan.runs) {
          await runToolCommand(invocation, plan.target, withArgs(program, args), {
            root: config.root,
            retry,
            onOutput: options.onOutput,
            signal: options.signal,
          });
        }
      },
      options,
    );
  } finally {
    // The history changed (or may have): the next check reads it afresh.
    invalidateFingerprint(config.stateDir, fingerprintKey(plan.target), plan.rolledBack);
  }
}
