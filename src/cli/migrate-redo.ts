import type { CommandContext } from '../app/context.js';
import { Interrupts } from '../app/interrupts.js';
import { describeRedo, planRedo, runRedo } from '../app/redo-migrations.js';
import { requireOneService, withSqlTargets } from '../app/select-sql-targets.js';
import { confirm } from '../ui/confirm.js';
import type { MigrateRedoOptions } from './commands.js';

/** `devup migrate redo [--service S] [--tenant T] [--yes]`: down one, then migrate again. */
export default async function migrateRedo(ctx: CommandContext, options: MigrateRedoOptions): Promise<number> {
  const { output } = ctx;
  return withSqlTargets(ctx, options, async ({ config, admin, targets }) => {
    requireOneService(targets, 'devup migrate redo', { includeTools: true });
    const service = targets[0]?.target.service;
    const plan = await planRedo(config, admin, targets);
    if (service === undefined || plan.sql.length + plan.tools.length === 0) {
      output.line('Nothing to redo: no selected tenant has an applied migration.');
      return 0;
    }
    output.line('devup migrate redo will roll back, then apply again, per tenant:');
    for (const line of describeRedo(plan)) output.line(line);
    if (!(await confirm('Redo these?', { yes: options.yes === true }))) {
      output.line('Nothing changed.');
      return 1;
    }
    // Ctrl-C stops between steps, and a tool's whole process group (its transaction rolls back).
    const interrupts = new Interrupts();
    await interrupts.race(
      runRedo(config, admin, plan, { service, tenant: options.tenant }, { output, signal: interrupts.signal }),
    );
    return 0;
  });
}
