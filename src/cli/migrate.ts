import { bootDatabase } from '../database/boot.js';
import { UserError } from '../errors.js';
import { dryRunMigrations } from '../migrations/dry-run.js';
import { type CommandContext, parseList } from './context.js';
import { Interrupts } from './interrupts.js';
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
  // Ctrl-C: stop between migrations; leaving through main() runs the exit hooks that kill any
  // external tool's process group (a running transaction is rolled back by the server).
  const interrupts = new Interrupts();
  const { migrations } = await interrupts.race(
    prepareDatabase(ctx, config, {
      services,
      tenant,
      strict: options.strict === true,
      seed: false,
      signal: interrupts.signal,
    }),
  );
  const applied = migrations.outcomes.reduce((n, o) => n + o.applied.length, 0);
  ctx.output.event({ event: 'migrate-done', applied, ms: Math.round(migrations.ms) });
  if (migrations.outcomes.length === 0) {
    throw new UserError('no service has migrations configured', { hint: 'Add `migrations: { dir }` to a service.' });
  }
  return 0;
}
