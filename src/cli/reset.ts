import { type CommandContext, parseList } from '../app/context.js';
import { runReset } from '../app/reset/run-reset.js';
import type { ResetOptions } from './commands.js';

/** `devup reset [--service S] [--tenant T] [--infra NAME] [--no-start] [--no-seed] [--force] [--yes]` */
export default async function reset(ctx: CommandContext, options: ResetOptions): Promise<number> {
  return runReset(ctx, await ctx.loadConfig(), {
    services: parseList(options.service),
    tenant: options.tenant,
    yes: options.yes === true,
    seed: options.seed,
    start: options.start,
    force: options.force === true,
    infra: options.infra,
  });
}
