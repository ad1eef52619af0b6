import path from 'node:path';
import type { CommandContext } from '../app/context.js';
import { Interrupts } from '../app/interrupts.js';
import type { ResolvedConfig } from '../config/types.js';
import { bootDatabase } from '../database/boot.js';
import { withClient } from '../database/connection/connection.js';
import type { ThrowawayEngine } from '../database/throwaway/throwaway.js';
import { UserError } from '../errors.js';
import { formatDuration } from '../lib/format.js';
import { collectTargets } from '../migrations/targets.js';
import { buildSchemaDocs, readSchemaDocs } from '../schema/build-schema.js';
import { describeSchemaWrite, type SchemaDocsWrite, writeSchemaDocs } from '../schema/schema-files.js';
import type { Output } from '../ui/output.js';
import type { SchemaOptions } from './commands.js';

function report(output: Output, config: ResolvedConfig, cwd: string, result: SchemaDocsWrite): void {
  output.line(`${output.style('green', '✔')} ${describeSchemaWrite(path.relative(cwd, config.schema.dir), result)}`);
  output.event({ event: 'schema-written', dir: config.schema.dir, ...result });
}

/**
 * `devup schema [--from-dev]`: every service's schema built from zero on a throwaway Postgres
 * (embedded unless --engine says docker or external), or read from the dev database, written to
 * schema.dir as <service>.sql, <service>.md and README.md.
 */
export default async function schema(ctx: CommandContext, options: SchemaOptions): Promise<number> {
  const config = await ctx.loadConfig();
  const { output } = ctx;
  if (!config.services.some((s) => s.migrations)) {
    throw new UserError('no service has migrations configured, so there is no schema to write', {
      hint: 'Add `migrations: { dir }` (or `tool`) to a service.',
    });
  }
  if (options.fromDev) {
    const db = await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => output.notice(m) } });
    const services = await withClient(db.connection, (client) =>
      collectTargets(config, { query: (sql) => client.query(sql) }),
    );
    const files = await readSchemaDocs(
      config,
      db.connection,
      services.flatMap((s) => s.targets),
    );
    report(output, config, ctx.cwd, writeSchemaDocs(config.schema.dir, files));
    return 0;
  }
  const engine: ThrowawayEngine = ctx.engine === 'docker' || ctx.engine === 'external' ? ctx.engine : 'embedded';
  // Ctrl-C: the throwaway is removed before the command ends (withThrowawayDatabase waits for it).
  const interrupts = new Interrupts();
  const built = await buildSchemaDocs(config, {
    engine,
    signal: interrupts.signal,
    sink: { notice: (m) => output.notice(m), progress: (m) => output.debug(m) },
  });
  output.line(
    `${output.style('green', '✔')} Built from zero on ${built.description}: ${built.services} ${built.services === 1 ? 'service' : 'services'}, ${built.migrations} migrations (${formatDuration(built.ms)})`,
  );
  output.event({
    event: 'schema-built',
    database: built.description,
    services: built.services,
    migrations: built.migrations,
    ms: Math.round(built.ms),
  });
  report(output, config, ctx.cwd, writeSchemaDocs(config.schema.dir, built.files));
  return 0;
}
