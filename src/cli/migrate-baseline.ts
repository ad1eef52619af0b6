import { bootDatabase } from '../database/boot.js';
import { withClient } from '../database/connection.js';
import { UsageError } from '../errors.js';
import { baselineTarget } from '../migrations/baseline.js';
import { inspectTargets } from '../migrations/inspect.js';
import { type CommandContext, parseList } from './context.js';
import { requireKnownVersion, requireOneService } from './select-sql-targets.js';

/** `devup migrate baseline --to VERSION`: for databases that existed before devup. */
export default async function migrateBaseline(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const raw = String(options.to);
  if (!/^\d[\d-]*$/.test(raw)) throw new UsageError(`--to ${raw}: expected a migration version (its leading digits)`);
  const version = BigInt(raw.replaceAll('-', ''));
  const config = await ctx.loadConfig();
  const db = await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => ctx.output.notice(m) } });
  const targets = await inspectTargets(config, db.connection, {
    services: parseList(options.service as string | undefined),
    tenant: options.tenant as string | undefined,
  });
  requireOneService(targets, 'devup migrate baseline');
  requireKnownVersion(targets, version, '--to');
  for (const { target, sql } of targets) {
    if (!sql) continue;
    const marked = await withClient(
      db.connection,
      (client) => baselineTarget(client, sql, version),
      target.database ? { database: target.database } : {},
    );
    ctx.output.line(
      `  ${ctx.output.style('green', '✔')} ${target.schema}: marked ${marked.length} as applied${marked.length ? ` (${marked.at(-1)} is the newest)` : ''}`,
    );
    ctx.output.event({ event: 'baselined', schema: target.schema, migrations: marked });
  }
  return 0;
}
