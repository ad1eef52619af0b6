import type { CommandContext } from '../app/context.js';
import {
  parseVersionFlag,
  reportToolServices,
  requireKnownVersion,
  requireOneService,
  withSqlTargets,
} from '../app/select-sql-targets.js';
import { baselineTargets } from '../migrations/sql/baseline.js';
import type { MigrateBaselineOptions } from './commands.js';

/** `devup migrate baseline --to VERSION`: for databases that existed before devup. */
export default async function migrateBaseline(ctx: CommandContext, options: MigrateBaselineOptions): Promise<number> {
  // Before --to is read: a tool's revisions are not devup's versions.
  reportToolServices(ctx, await ctx.loadConfig(), options, 'baseline');
  const version = parseVersionFlag(options.to, '--to');
  return withSqlTargets(ctx, options, async ({ admin, targets }) => {
    requireOneService(targets, 'devup migrate baseline');
    requireKnownVersion(targets, version, '--to');
    await baselineTargets(admin, targets, version, (target, marked) => {
      ctx.output.line(
        `  ${ctx.output.style('green', '✔')} ${target.schema}: marked ${marked.length} as applied${marked.length ? ` (${marked.at(-1)} is the newest)` : ''}`,
      );
      ctx.output.event({ event: 'baselined', schema: target.schema, migrations: marked });
    });
    return 0;
  });
}
