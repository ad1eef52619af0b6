import path from 'node:path';
import { UsageError } from '../errors.js';
import { createMigration } from '../migrations/new-migration.js';
import type { CommandContext } from './context.js';

/** `devup new migration <service> <name>` */
export default async function newMigration(
  ctx: CommandContext,
  _options: Record<string, unknown>,
  args: string[],
): Promise<number> {
  const [kind, serviceName, name] = args;
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
  if (service.migrations?.kind !== 'sql') {
    throw new UsageError(
      `service "${serviceName}" has no SQL migrations directory`,
      'Create migrations with its own tool.',
    );
  }
  for (const file of createMigration(service.migrations.dir, name ?? '')) {
    ctx.output.line(`Created ${path.relative(ctx.cwd, file)}`);
    ctx.output.event({ event: 'created', file });
  }
  return 0;
}
