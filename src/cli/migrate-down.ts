import { bootDatabase } from '../database/boot.js';
import { withClient } from '../database/connection.js';
import { UsageError } from '../errors.js';
import { inspectTargets } from '../migrations/inspect.js';
import { rollbackTarget } from '../migrations/rollback.js';
import { type CommandContext, parseList } from './context.js';

function parseVersion(value: string, flag: string): bigint {
  if (!/^\d[\d-]*$/.test(value))
    throw new UsageError(`${flag} ${value}: expected a migration version (its leading digits)`);
  return BigInt(value.replaceAll('-', ''));
}

/** `devup migrate down [--steps N | --to VERSION]` */
export default async function migrateDown(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const to = options.to === undefined ? undefined : parseVersion(String(options.to), '--to');
  const steps = Number(options.steps ?? 1);
  if (!Number.isInteger(steps) || steps < 1)
    throw new UsageError(`--steps ${options.steps}: expected a whole number ≥ 1`);
  const config = await ctx.loadConfig();
  const db = await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => ctx.output.notice(m) } });
  const targets = await inspectTargets(config, db.connection, {
    services: parseList(options.service as string | undefined),
    tenant: options.tenant as string | undefined,
  });
  for (const { target, sql } of targets) {
    if (!sql) {
      ctx.output.warn(`${target.schema}: run by an external tool; roll it back with that tool`);
      continue;
    }
    const done = await withClient(
      db.connection,
      (client) => rollbackTarget(client, sql, { steps, to }),
      target.database ? { database: target.database } : {},
    );
    ctx.output.line(
      done.length === 0
        ? `  - ${target.schema}: nothing to roll back`
        : `  ${ctx.output.style('green', '✔')} ${target.schema}: rolled back ${done.join(', ')}`,
    );
    ctx.output.event({ event: 'rolled-back', schema: target.schema, migrations: done });
  }
  return 0;
}
