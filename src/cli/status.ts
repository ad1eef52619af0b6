import type { CommandContext } from '../app/context.js';
import { printProjectStatus, projectStatusJson, readProjectStatus } from '../app/project-status.js';

/** `devup status [--json]`: never starts anything; reports what is there. */
export default async function status(ctx: CommandContext): Promise<number> {
  const config = await ctx.loadConfig();
  const found = await readProjectStatus(config, ctx.engine);
  if (ctx.output.mode === 'json') process.stdout.write(`${await projectStatusJson(config, found)}\n`);
  else printProjectStatus(ctx.output, config, found);
  return 0;
}
