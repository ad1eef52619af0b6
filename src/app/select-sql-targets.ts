import type pg from 'pg';
import type { DatabaseBootSettings, ResolvedConfig } from '../config/types.js';
import { bootDatabase, chooseEngine, createEngine } from '../database/boot.js';
import { type ConnectionInfo, withClient } from '../database/connection/connection.js';
import { UsageError, UserError } from '../errors.js';
import { type InspectedTarget, inspectTargets } from '../migrations/inspect.js';
import { parseVersion } from '../migrations/sql/discover.js';
import { describeOwnHistory } from '../migrations/tools/tool-history-commands.js';
import { type CommandContext, parseList, withContextFlag } from './context.js';

/** What a migrate subcommand acts on: the project's Postgres and the targets its flags select. */
export interface SqlTargets {
  config: ResolvedConfig;
  /** The superuser (or given) connection on the main database. */
  admin: ConnectionInfo;
  targets: InspectedTarget[];
  /** The connection the targets were inspected on, open until `fn` returns. */
  client: pg.Client;
}

/**
 * Loads the config, finds Postgres (booting it, or, with `startsNothing`, only where it already
 * runs), inspects the targets `--service` / `--tenant` select on one connection, then runs `fn`.
 */
export async function withSqlTargets<T>(
  ctx: CommandContext,
  flags: Record<string, unknown>,
  fn: (scope: SqlTargets) => Promise<T>,
  options: { startsNothing?: string } = {},
): Promise<T> {
  // Only `status` takes --context: what the other subcommands do does not depend on one.
  const config = withContextFlag(await ctx.loadConfig(), flags);
  const admin = options.startsNothing
    ? await runningDatabase(ctx, config, options.startsNothing)
    : (await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => ctx.output.notice(m) } })).connection;
  return withClient(admin, async (client) => {
    const targets = await inspectTargets(config, admin, {
      services: parseList(flags.service as string | undefined),
      tenant: flags.tenant as string | undefined,
      client,
    });
    return fn({ config, admin, targets, client });
  });
}

/** Where the project's Postgres answers, if it runs: `command` starts, creates and writes nothing. */
async function runningDatabase(
  ctx: CommandContext,
  config: DatabaseBootSettings,
  command: string,
): Promise<ConnectionInfo> {
  const { name } = await chooseEngine(config, ctx.engine, { notice: (m) => ctx.output.notice(m) });
  const engine = await createEngine(config, name);
  const { state, problem } = await engine.status();
  if (state === 'running') return engine.connection;
  if (name === 'external') throw externalNotUsable(engine.connection, command, problem);
  throw new UserError(
    `Postgres (${name}) is ${state === 'absent' ? 'not created yet' : state}: ${command} starts nothing`,
    {
      hint: '`devup dev` or `devup migrate` starts it and applies the migrations; `devup status` shows the whole picture.',
    },
  );
}

/** An external server that cannot be used: it answered and refused (TLS, credentials), or it does not answer. */
function externalNotUsable(
  connection: ConnectionInfo,
  command: string,
  problem: { error: UserError; answered: boolean } | undefined,
): UserError {
  const where = `${connection.host}:${connection.port}`;
  if (problem?.answered) {
    return new UserError(`Postgres (external) at ${where} answered, but ${problem.error.message}`, {
      ...(problem.error.hint ? { hint: problem.error.hint } : {}),
      cause: problem.error,
    });
  }
  const code = (problem?.error.cause as { code?: string } | undefined)?.code;
  return new UserError(
    `Postgres (external) at ${where} does not answer${code ? ` (${code})` : ''}: ${command} starts nothing`,
    {
      hint: 'devup never starts an external server: start it, or point DATABASE_URL (database.url) at one that runs; `devup status` shows the whole picture.',
      ...(problem ? { cause: problem.error } : {}),
    },
  );
}

/** `--to 20240101` or `--to 2024-01-01-000000`: a migration version, as its file name starts. */
export function parseVersionFlag(value: string, flag: string): bigint {
  if (!/^\d[\d-]*$/.test(value))
    throw new UsageError(`${flag} ${value}: expected a migration version (its leading digits)`);
  return parseVersion(value);
}

/**
 * For commands that act on one version number (down --to, baseline --to): versions mean
 * nothing across services, so one service must be chosen, and the version must exist. Tool
 * targets count too where the command drives the tool (down).
 */
export function requireOneService(
  targets: InspectedTarget[],
  command: string,
  options: { includeTools?: boolean } = {},
): void {
  const services = [...new Set(targets.filter((t) => t.sql || options.includeTools).map((t) => t.target.service))];
  if (services.length > 1) {
    throw new UsageError(
      `${command} acts on one service at a time; this would touch ${services.join(', ')}`,
      `Add --service <name> (one of ${services.join(', ')}).`,
    );
  }
}

export function requireKnownVersion(targets: InspectedTarget[], version: bigint, flag: string): void {
  if (version === 0n) return;
  for (const { target, sql } of targets) {
    if (sql && !sql.migrations.some((m) => m.version === version)) {
      throw new UsageError(
        `${flag} ${version}: no migration of ${target.service} has that version`,
        `Versions of ${target.service}: ${sql.migrations.map((m) => m.version).join(', ') || '(none)'}`,
      );
    }
  }
}

/**
 * For commands that write devup's own history table (baseline, repair): says, per selected
 * service (`--service`, else every one with migrations) that an external tool migrates, that it
 * is left alone and what to run instead. When only such services are selected, nothing could be
 * done: an error, before Postgres is even looked for, so a script notices.
 */
export function reportToolServices(
  ctx: CommandContext,
  config: Pick<ResolvedConfig, 'services'>,
  flags: Record<string, unknown>,
  command: 'baseline' | 'repair',
): void {
  const named = parseList(flags.service as string | undefined);
  const selected = config.services.filter((s) => s.migrations && (!named || named.includes(s.name)));
  const tools = new Map<string, string>();
  for (const { name, migrations } of selected) {
    if (migrations?.kind === 'tool') tools.set(name, describeOwnHistory(name, migrations.tool, command));
  }
  if (tools.size === 0) return;
  if (tools.size === selected.length) {
    const names = [...tools.keys()].join(', ');
    throw new UserError(
      `devup migrate ${command}: nothing to do; ${names} ${tools.size === 1 ? 'is' : 'are'} migrated by an external tool`,
      {
        details: [...tools.values()],
        hint: 'Use the tool’s own command as said above; `devup migrate status` shows what each tool records.',
      },
    );
  }
  for (const message of tools.values()) ctx.output.warn(message);
}
