import { UserError } from '../errors.js';
import { planRollbacks, rollbackTargets } from '../migrations/sql/rollback.js';
import { migrationsWithoutDown, resolveTag } from '../migrations/tags/tag-rollback.js';
import type { ToolRollback } from '../migrations/tools/tool-rollback.js';
import { confirm } from '../ui/confirm.js';
import type { CommandContext } from './context.js';
import { Interrupts } from './interrupts.js';
import type { SqlTargets } from './select-sql-targets.js';

/** Tool targets: each rolled back by its tool to the revision or migration the tag recorded. */
async function planToolsToTag(
  scope: SqlTargets,
  to: (target: SqlTargets['targets'][number]) => string,
): Promise<ToolRollback[]> {
  const tools = scope.targets.filter((t) => !t.sql);
  if (tools.length === 0) return [];
  const { planToolRollbacks } = await import('../migrations/tools/tool-rollback.js');
  const plans: ToolRollback[] = [];
  for (const t of tools) {
    const request = { steps: 1, to: to(t) };
    plans.push(
      ...(await planToolRollbacks(
        scope.config,
        scope.admin,
        [{ service: t.service.service, target: t.target }],
        request,
      )),
    );
  }
  return plans.filter((p) => p.rolledBack.length > 0);
}

/**
 * `devup migrate down --to-tag NAME`: every selected target back to where the tag found it, SQL
 * targets through their down sections, tool targets through the tool's own downgrade. All is
 * checked and listed before the one confirmation; nothing runs when a target lacks the tag or a
 * migration on the way has no down.
 */
export async function rollBackToTag(
  ctx: CommandContext,
  scope: SqlTargets,
  name: string,
  yes: boolean,
): Promise<number> {
  const { admin, client, targets } = scope;
  const tags = await resolveTag(admin, client, targets, name);
  const noDown = migrationsWithoutDown(targets, tags);
  if (noDown.length > 0) {
    throw new UserError(
      `cannot roll back to tag ${name}: a migration on the way cannot be undone; nothing was rolled back`,
      {
        details: noDown.map((line) => `  ${line}`),
        hint: 'Add the down sections (a down file, or a -- migrate:down section), or restore a snapshot instead.',
      },
    );
  }
  const sql = targets.flatMap((t) => {
    const to = tags.get(t.target)?.version ?? 0n;
    return t.sql ? planRollbacks([t], { to }).map((plan) => ({ plan, to })) : [];
  });
  const tools = await planToolsToTag(scope, (t) => tags.get(t.target)?.at ?? 'base');
  if (sql.length === 0 && tools.length === 0) {
    ctx.output.line(`Nothing to roll back: every selected target is at tag ${name} or behind it.`);
    return 0;
  }
  ctx.output.line(`devup migrate down --to-tag ${name} will roll back:`);
  for (const { plan } of sql) ctx.output.line(`  ${plan.target.schema}: ${plan.preview.map((m) => m.name).join(', ')}`);
  for (const p of tools)
    ctx.output.line(
      `  ${p.target.schema}: ${p.rolledBack.join(', ')}   (${p.runs.map((r) => r.slice(0, 2).join(' ')).join(', ')})`,
    );
  if (!(await confirm('Roll these back?', { yes }))) {
    ctx.output.line('Nothing changed.');
    return 1;
  }
  const done = (schema: string, migrations: string[]) => {
    ctx.output.line(
      `  ${ctx.output.style('green', '✔')} ${schema}: rolled back ${migrations.join(', ')} (now at ${name})`,
    );
    ctx.output.event({ event: 'rolled-back', schema, migrations, tag: name });
  };
  for (const { plan, to } of sql)
    await rollbackTargets(admin, [plan], { to }, (target, ids) => done(target.schema, ids));
  if (tools.length > 0) {
    const { runToolRollback } = await import('../migrations/tools/tool-rollback.js');
    const interrupts = new Interrupts();
    for (const plan of tools) {
      const options = { onOutput: (line: string) => ctx.output.debug(`  ${line}`), signal: interrupts.signal };
      await interrupts.race(runToolRollback(scope.config, admin, plan, options));
      done(plan.target.schema, plan.rolledBack);
    }
  }
  return 0;
}
