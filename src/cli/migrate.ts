import { bootDatabase } from '../database/boot.js';
import { UserError } from '../errors.js';
import { dryRunMigrations } from '../migrations/dry-run.js';
import { type CommandContext, parseList } from './context.js';
import { prepareDatabase } from './prepare-database.js';

/** `devup migrate [--service S] [--tenant T] [--dry-run] [--strict]` */
export default async function migrate(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const services = parseList(options.service as string | undefined);
  const tenant = options.tenant as string | undefined;
  if (options.dryRun) {
    const db = await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => ctx.output.notice(m) } });
    await dryRunMigrations(config, db.connection, { services, tenant, output: ctx.output });
    return 0;
  }
  const { migrations } = await prepareDatabase(ctx, config, {
    services,
    tenant,
    strict: options.strict === true,
    seed: false,
  });
  const applied = migrations.outcomes.reduce((n, o) => n + o.applied.length, 0);
  ctx.output.event({ event: 'migrate-done', applied, ms: Math.round(migrations.ms) });
  if (migrations.outcomes.length === 0) {
    throw new UserError('no service has migrations configured', { hint: 'Add `migrations: { dir }` to a service.' });
  }
  return 0;
}
