import type { CommandContext } from '../app/context.js';
import { withSqlTargets } from '../app/select-sql-targets.js';
import { UserError } from '../errors.js';
import { checkTagName, tagTargets } from '../migrations/tags/tag-targets.js';

/** `devup migrate tag NAME [--service S] [--tenant T] [--force]`: names where each target is now. */
export default async function migrateTag(
  ctx: CommandContext,
  options: Record<string, unknown>,
  args: string[],
): Promise<number> {
  const name = String(args[0] ?? '');
  // A bad name is refused before Postgres is even looked for.
  checkTagName(name);
  return withSqlTargets(ctx, options, async ({ config, admin, targets }) => {
    if (targets.length === 0) throw new UserError('no target selected: nothing to tag');
    const tagged = await tagTargets(config.stateDir, admin, targets, { name, move: options.force === true });
    for (const { target, position, moved } of tagged) {
      const at = position.at ?? '(nothing applied)';
      ctx.output.line(
        `  ${ctx.output.style('green', '✔')} ${target.schema}: ${moved ? 'moved' : 'tagged'} ${name} at ${at}`,
      );
      ctx.output.event({ event: 'tagged', schema: target.schema, tag: name, at: position.at, moved });
    }
    return 0;
  });
}
