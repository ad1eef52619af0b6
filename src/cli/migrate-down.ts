import type { CommandContext } from '../app/context.js';
import { Interrupts } from '../app/interrupts.js';
import { rollBackToTag } from '../app/rollback-to-tag.js';
import { parseVersionFlag, requireKnownVersion, requireOneService, withSqlTargets } from '../app/select-sql-targets.js';
import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { UsageError } from '../errors.js';
import { planRollbacks, requireDownMigrations, rollbackTargets } from '../migrations/sql/rollback.js';
import type { TargetWithPlan } from '../migrations/target-plans.js';
import { confirm } from '../ui/confirm.js';
import type { MigrateDownOptions } from './commands.js';

/** Tool targets: list what each tenant's tool will undo, ask, then run it tenant by tenant. */
async function migrateDownTool(
  ctx: CommandContext,
  config: ResolvedConfig,
  admin: ConnectionInfo,
  targets: TargetWithPlan[],
  request: { steps: number; to: string | undefined; yes: boolean },
): Promise<number> {
  const { planToolRollbacks, runToolRollback } = await import('../migrations/tools/tool-rollback.js');
  const selected = targets.map((t) => ({ service: t.service.service, target: t.target }));
  const plans = (await planToolRollbacks(config, admin, selected, request)).filter((p) => p.rolledBack.length > 0);
  if (plans.length === 0) {
    ctx.output.line('Nothing to roll back: no selected tenant has an applied migration to undo.');
    return 0;
  }
  const tool = plans[0]?.service.migrations?.kind === 'tool' ? plans[0].service.migrations.tool : 'the tool';
  ctx.output.line(`devup migrate down will run ${tool} to roll back, per tenant:`);
  for (const p of plans) {
    const how = p.runs.map((args) => args.slice(0, 2).join(' ')).join(', ');
    ctx.output.line(`  ${p.target.schema}: ${p.rolledBack.join(', ')}   (${tool} ${how})`);
  }
  if (!(await confirm('Roll these back?', { yes: request.yes }))) {
    ctx.output.line('Nothing changed.');
    return 1;
  }
  // Ctrl-C stops the tool's whole process group (a downgrade's own transaction is rolled back).
  const interrupts = new Interrupts();
  for (const plan of plans) {
    await interrupts.race(
      runToolRollback(config, admin, plan, {
        onOutput: (line) => ctx.output.debug(`  ${line}`),
        signal: interrupts.signal,
      }),
    );
    ctx.output.line(
      `  ${ctx.output.style('green', '✔')} ${plan.target.schema}: rolled back ${plan.rolledBack.join(', ')}`,
    );
    ctx.output.event({ event: 'rolled-back', schema: plan.target.schema, migrations: plan.rolledBack });
  }
  return 0;
}

/** `devup migrate down [--steps N | --to VERSION | --to-tag NAME]` */
export default async function migrateDown(ctx: CommandContext, options: MigrateDownOptions): Promise<number> {
  const steps = Number(options.steps);
  if (!Number.isInteger(steps) || steps < 1)
    throw new UsageError(`--steps ${options.steps}: expected a whole number ≥ 1`);
  const yes = options.yes === true;
  const { toTag } = options;
  if (toTag !== undefined && options.to !== undefined) {
    throw new UsageError('--to and --to-tag: give one', '--to takes a version of one service; --to-tag a tag name.');
  }
  return withSqlTargets(ctx, options, async (scope) => {
    // A tag holds each target's own migration: services need not be chosen one at a time.
    if (toTag !== undefined) return rollBackToTag(ctx, scope, toTag, yes);
    const { config, admin, targets } = scope;
    if (targets.some((t) => !t.sql)) {
      requireOneService(targets, 'devup migrate down', { includeTools: true });
      return migrateDownTool(ctx, config, admin, targets, { steps, to: options.to, yes });
    }
    const to = options.to === undefined ? undefined : parseVersionFlag(options.to, '--to');
    requireOneService(targets, 'devup migrate down');
    if (to !== undefined) requireKnownVersion(targets, to, '--to');
    const planned = planRollbacks(targets, { steps, to });
    if (planned.length === 0) {
      ctx.output.line('Nothing to roll back.');
      return 0;
    }
    requireDownMigrations(planned);
    ctx.output.line('devup migrate down will run the down migrations of:');
    for (const { target, preview } of planned) {
      const names = preview.map((m) => (m.note ? `${m.name} (${m.note})` : m.name));
      ctx.output.line(`  ${target.schema}: ${names.join(', ')}`);
    }
    if (!(await confirm('Roll these back?', { yes }))) {
      ctx.output.line('Nothing changed.');
      return 1;
    }
    await rollbackTargets(admin, planned, { steps, to }, (target, done) => {
      ctx.output.line(
        done.length === 0
          ? `  - ${target.schema}: nothing to roll back`
          : `  ${ctx.output.style('green', '✔')} ${target.schema}: rolled back ${done.join(', ')}`,
      );
      ctx.output.event({ event: 'rolled-back', schema: target.schema, migrations: done });
    });
    return 0;
  });
}
