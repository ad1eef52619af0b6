import { type CommandContext, parseList, withContextFlag } from '../app/context.js';
import { prepareDatabase } from '../app/dev/prepare-database.js';
import { Interrupts } from '../app/interrupts.js';
import type { ResolvedConfig } from '../config/types.js';
import { bootDatabase } from '../database/boot.js';
import { UserError } from '../errors.js';
import { durationFlag } from '../lib/duration.js';
import { dryRunMigrations } from '../migrations/sql/dry-run.js';
import type { MigrateOptions } from './commands.js';

/** The flags win over `migrations.*` in the config. */
function withTimeoutFlags(config: ResolvedConfig, options: MigrateOptions): ResolvedConfig {
  const lockTimeoutMs = durationFlag(options.lockTimeout, '--lock-timeout');
  const statementTimeoutMs = durationFlag(options.statementTimeout, '--statement-timeout');
  return {
    ...config,
    migrations: {
      ...config.migrations,
      ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
      ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }),
    },
  };
}

/** `devup migrate [--service S] [--tenant T] [--context C] [--dry-run] [--strict] [--wait D] [--lock-timeout D] [--statement-timeout D]` */
export default async function migrate(ctx: CommandContext, options: MigrateOptions): Promise<number> {
  const waitMs = durationFlag(options.wait, '--wait');
  const config = withContextFlag(withTimeoutFlags(await ctx.loadConfig(), options), options);
  const services = parseList(options.service);
  const { tenant } = options;
  // Said before anything is booted or created.
  if (!config.services.some((s) => s.migrations)) {
    throw new UserError('no service has migrations configured', { hint: 'Add `migrations: { dir }` to a service.' });
  }
  if (options.dryRun) {
    const db = await bootDatabase(config, {
      engine: ctx.engine,
      sink: { notice: (m) => ctx.output.notice(m) },
      waitMs,
    });
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
      deferSeeds: true,
      signal: interrupts.signal,
      waitMs,
    }),
  );
  const applied = migrations.outcomes.reduce((n, o) => n + o.applied.length, 0);
  ctx.output.event({ event: 'migrate-done', applied, ms: Math.round(migrations.ms) });
  return 0;
}
