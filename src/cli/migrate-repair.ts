import type { CommandContext } from '../app/context.js';
import { reportToolServices, withSqlTargets } from '../app/select-sql-targets.js';
import { planRepairs, repairTargets } from '../migrations/sql/repair.js';
import { confirm } from '../ui/confirm.js';
import type { MigrateRepairOptions } from './commands.js';

/** `devup migrate repair`: says what it will change, then accepts the files as they are. */
export default async function migrateRepair(ctx: CommandContext, options: MigrateRepairOptions): Promise<number> {
  const { output } = ctx;
  reportToolServices(ctx, await ctx.loadConfig(), options, 'repair');
  return withSqlTargets(ctx, options, async ({ admin, targets }) => {
    const planned = planRepairs(targets);
    if (planned.length === 0) {
      output.line('Nothing to repair: every applied migration matches its file and none has failed.');
      return 0;
    }
    output.line('devup migrate repair will:');
    for (const t of planned) for (const a of t.actions) output.line(`  ${t.target.schema}: ${a.description}`);
    if (!(await confirm('Apply these changes to the history tables?', { yes: options.yes === true }))) {
      output.line('Nothing changed.');
      return 1;
    }
    await repairTargets(admin, planned, ({ target, actions }) =>
      output.event({
        event: 'repaired',
        schema: target.schema,
        actions: actions.map((a) => ({ kind: a.kind, name: a.name })),
      }),
    );
    output.line(
      `${output.style('green', '✔')} Repaired ${planned.length} target${planned.length === 1 ? '' : 's'}; run \`devup migrate\` next.`,
    );
    return 0;
  });
}
