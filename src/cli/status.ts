import type { CommandContext } from './context.js';

export default async function status(ctx: CommandContext): Promise<number> {
  ctx.output.line('status: not yet');
  return 0;
}
