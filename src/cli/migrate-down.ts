import type { ResolvedConfig } from '../config/types.js';
import { bootDatabase } from '../database/boot.js';
import { type ConnectionInfo, withClient } from '../database/connection.js';
import { UsageError } from '../errors.js';
import { type InspectedTarget, inspectTargets } from '../migrations/inspect.js';
import { rollbackPreview, rollbackTarget } from '../migrations/rollback.js';
import { confirm } from '../ui/confirm.js';
import { type CommandContext, parseList } from './context.js';
import { Interrupts } from './interrupts.js';
import { requireKnownVersion, requireOneService } from './select-sql-targets.js';

function parseVersion(value: string, flag: string): bigint {
  if (!/^\d[\d-]*$/.test(value))
    throw new UsageError(`${flag} ${value}: expected a migration version (its leading digits)`);
  return BigInt(value.replaceAll('-', ''));
}

/** Tool targets: list what each tenant's tool will undo, ask, then run it tenant by tenant. */
async function migrateDownTool(
  ctx: CommandContext,
  config: ResolvedConfig,
  admin: ConnectionInfo,
  targets: InspectedTarget[],
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

/** `devup migrate down [--steps N | --to VERSION]` */
export default async function migrateDown(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const steps = Number(options.steps ?? 1);
  if (!Number.isInteger(steps) || steps < 1)
    throw new UsageError(`--steps ${options.steps}: expected a whole number ≥ 1`);
  const config = await ctx.loadConfig();
  const db = await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => ctx.output.notice(m) } });
  const targets = await inspectTargets(config, db.connection, {
    services: parseList(options.service as string | undefined),
    tenant: options.tenant as string | undefined,
  });
  if (targets.some((t) => !t.sql)) {
    requireOneService(targets, 'devup migrate down', { includeTools: true });
    const to = options.to === undefined ? undefined : String(options.to);
    return migrateDownTool(ctx, config, db.connection, targets, { steps, to, yes: options.yes === true });
  }
  const to = options.to === undefined ? undefined : parseVersion(String(options.to), '--to');
  requireOneService(targets, 'devup migrate down');
  if (to !== undefined) requireKnownVersion(targets, to, '--to');
  const plan = targets
    .filter((t) => t.sql && t.plan)
    .map((t) => ({ ...t, preview: rollbackPreview(t.plan!, { steps, to }) }))
    .filter((t) => t.preview.length > 0);
  if (plan.length === 0) {
    ctx.output.line('Nothing to roll back.');
    return 0;
  }
  ctx.output.line('devup migrate down will run the down migrations of:');
  for (const t of plan) {
    const names = t.preview.map((m) => (m.note ? `${m.name} (${m.note})` : m.name));
    ctx.output.line(`  ${t.target.schema}: ${names.join(', ')}`);
  }
  if (!(await confirm('Roll these back?', { yes: options.yes === true }))) {
    ctx.output.line('Nothing changed.');
    return 1;
  }
  // Exactly what was confirmed: rollbackTarget refuses if the history no longer gives that list.
  for (const { target, sql, preview } of plan) {
    if (!sql) continue;
    const expected = preview.map((m) => m.name);
    const done = await withClient(
      db.connection,
      (client) => rollbackTarget(client, sql, { steps, to, expected }),
      target.database ? { database: target.database } : {},
    );
    ctx.output.line(
      done.length === 0
        ? `  - ${target.schema}: nothing to roll back`
        : `  ${ctx.output.style('green', '✔')} ${target.schema}: rolled back ${done.join(', ')}`,
    );
    ctx.output.event({ event: 'rolled-back', schema: target.schema, migrations: done });
  }
  return 0;
}
