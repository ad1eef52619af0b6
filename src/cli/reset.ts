import type { Destroyable } from '../database/engine.js';
import type { CommandContext } from './context.js';

export function describeDestroyable(item: Destroyable): string {
  return `${item.kind} ${item.name}${item.detail ? ` (${item.detail})` : ''}`;
}

export default async function reset(ctx: CommandContext): Promise<number> {
  ctx.output.line('reset: not yet');
  return 0;
}
