import path from 'node:path';
import type { CommandContext } from '../app/context.js';
import { UsageError } from '../errors.js';
import { createMigration } from '../migrations/sql/new-migration.js';
import type { NewArgs, NewOptions } from './commands.js';

/** `devup new migration <service> <name>` */
export default async function newMigration(
  ctx: CommandContext,
  _options: NewOptions,
  [kind, serviceName, name]: NewArgs,
): Promise<number> {
  if (kind !== 'migration')
    throw new UsageError(
      `devup new ${kind}: only "migration" can be created`,
      'Run `devup new migration <service> <name>`.',
    );
  const config = await ctx.loadConfig();
  const service = config.services.find((s) => s.name === serviceName);
  if (!service) {
    throw new UsageError(`no service "${serviceName}"`, `Services: ${config.services.map((s) => s.name).join(', ')}`);
  }
  if (service.migrations?.kind === 'tool') {
    const { createToolMigration } = await import('../migrations/tools/tool-new-migration.js');
    const files = await createToolMigration(config, service, name, (line) => ctx.output.debug(`  ${line}`));
    for (const file of files) {
      ctx.output.line(`Created ${path.relative(ctx.cwd, file)}`);
      ctx.output.event({ event: 'created', file });
    }
    if (files.length === 0) {
      ctx.output.warn(
        `${service.migrations.tool} succeeded but wrote no file where devup reads migrations (check migrations.dir)`,
      );
    }
    return 0;
  }
  if (service.migrations?.kind !== 'sql') {
    throw new UsageError(`service "${serviceName}" has no migrations configured`, 'Add `migrations` to the service.');
  }
  for (const file of createMigration(service.migrations.dir, name)) {
    ctx.output.line(`Created ${path.relative(ctx.cwd, file)}`);
    ctx.output.event({ event: 'created', file });
  }
  return 0;
}
