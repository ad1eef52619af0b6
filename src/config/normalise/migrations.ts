import path from 'node:path';
import { MIGRATIONS_DEFAULTS } from '../defaults.js';
import { infraReferences } from '../env-placeholders.js';
import type { ServiceInput } from '../schema.js';
import { checkSchemaTemplate, IDENTIFIER } from '../schema-template.js';
import type { MigrationSettings, TenantSource } from '../types.js';
import { isDirectory, type NormaliseContext, normaliseEnv, relative, toCommand } from './context.js';

type MigrationsInput = NonNullable<ServiceInput['migrations']>;

/** `services.NAME.migrations`: SQL files devup runs itself, or an external tool. */
export function normaliseMigrations(
  ctx: NormaliseContext,
  name: string,
  input: MigrationsInput,
  serviceCwd: string,
): MigrationSettings | undefined {
  const at = `services.${name}.migrations`;
  if (input.dir === undefined && input.tool === undefined) {
    ctx.problems.push({ path: at, message: 'needs "dir" (devup runs the SQL files) or "tool" (an external tool)' });
    return undefined;
  }
  const tenants = normaliseTenants(ctx, at, input.tenants ?? [...MIGRATIONS_DEFAULTS.tenants]);
  const schemaTemplate = input.schema ?? MIGRATIONS_DEFAULTS.schema;
  const concurrency = input.concurrency ?? MIGRATIONS_DEFAULTS.concurrency;
  const sampleTenants = tenants.kind === 'list' ? tenants.tenants : ['tenant', 'other'];
  for (const message of checkSchemaTemplate(schemaTemplate, name, sampleTenants)) {
    ctx.problems.push({ path: `${at}.schema`, message });
  }

  const shared = { tenants, schemaTemplate, concurrency };
  const resolveDir = (dir: string, key: string): string | undefined => {
    const absolute = path.resolve(serviceCwd, dir);
    if (!isDirectory(absolute)) {
      ctx.problems.push({ path: `${at}.${key}`, message: `no such directory: ${relative(ctx, absolute)}` });
      return undefined;
    }
    return absolute;
  };
  if (input.tool === undefined) return sqlMigrations(ctx, at, input, () => resolveDir(input.dir ?? '', 'dir'), shared);
  checkToolKeys(ctx, at, { ...input, tool: input.tool });
  const cwd = input.cwd === undefined ? serviceCwd : resolveDir(input.cwd, 'cwd');
  const dir = input.dir === undefined ? undefined : resolveDir(input.dir, 'dir');
  if (cwd === undefined) return undefined;
  return {
    kind: 'tool',
    tool: input.tool,
    command: input.command === undefined ? undefined : toCommand(input.command),
    program: input.program === undefined ? undefined : toCommand(input.program),
    cwd,
    dir,
    env: migrationEnv(ctx, `${at}.env`, input.env),
    bootstrap: input.bootstrap ?? 'replay',
    ...shared,
  };
}

type SharedSettings = Pick<MigrationSettings, 'tenants' | 'schemaTemplate' | 'concurrency'>;

/** devup's own SQL engine: the tool's keys have no meaning here. */
function sqlMigrations(
  ctx: NormaliseContext,
  at: string,
  input: MigrationsInput,
  resolveDir: () => string | undefined,
  shared: SharedSettings,
): MigrationSettings | undefined {
  if (input.command !== undefined) {
    ctx.problems.push({ path: `${at}.command`, message: 'only used with "tool"; remove it or set tool: "command"' });
  }
  if (input.program !== undefined) {
    ctx.problems.push({ path: `${at}.program`, message: 'only used with "tool"; remove it' });
  }
  if (input.env !== undefined) {
    ctx.problems.push({ path: `${at}.env`, message: 'only used with "tool"; devup runs SQL files itself' });
  }
  const dir = resolveDir();
  return dir === undefined ? undefined : { kind: 'sql', dir, bootstrap: input.bootstrap ?? 'replay', ...shared };
}

/** An external tool's keys that only some tools take. */
function checkToolKeys(
  ctx: NormaliseContext,
  at: string,
  input: MigrationsInput & { tool: NonNullable<MigrationsInput['tool']> },
): void {
  if (input.bootstrap === 'schema' && input.tool !== 'alembic') {
    ctx.problems.push({
      path: `${at}.bootstrap`,
      message: `'schema' is for the SQL engine and Alembic only: devup cannot record ${input.tool}'s history for a loaded schema`,
    });
  }
  if (input.tool === 'command' && input.command === undefined) {
    ctx.problems.push({ path: `${at}.command`, message: 'tool "command" needs a command to run' });
  }
  if (input.tool === 'command' && input.program !== undefined) {
    ctx.problems.push({
      path: `${at}.program`,
      message: 'tool "command" has no subcommands; program is for alembic, dbmate, node-pg-migrate and the others',
    });
  }
}

/** A list of tenant names (checked here), or the query or command that lists them at run time. */
function normaliseTenants(
  ctx: NormaliseContext,
  at: string,
  rawTenants: NonNullable<MigrationsInput['tenants']>,
): TenantSource {
  if (!Array.isArray(rawTenants)) {
    return 'query' in rawTenants
      ? { kind: 'query', sql: rawTenants.query }
      : { kind: 'command', command: toCommand(rawTenants.command) };
  }
  const seen = new Set<string>();
  for (const tenant of rawTenants) {
    if (!IDENTIFIER.test(tenant)) {
      ctx.problems.push({
        path: `${at}.tenants`,
        message: `"${tenant}" is not a valid tenant name: use lower-case letters, digits and _`,
      });
    }
    if (seen.has(tenant)) ctx.problems.push({ path: `${at}.tenants`, message: `"${tenant}" is listed twice` });
    seen.add(tenant);
  }
  return { kind: 'list', tenants: rawTenants };
}

/**
 * A tool's environment. Infra placeholders are refused here: migrations run beside infra's start,
 * before anything waits for it, so devup has no value to put there (it was left unexpanded).
 */
function migrationEnv(ctx: NormaliseContext, at: string, input: ServiceInput['env']): Record<string, string> {
  const env = normaliseEnv(ctx, at, input);
  for (const [key, value] of Object.entries(env)) {
    for (const reference of infraReferences(value)) {
      ctx.problems.push({
        path: `${at}.${key}`,
        message: `{infra.${reference.infra}.${reference.part}} is not available to a migration tool (migrations run while infra starts): put it in the service's env, or write the value`,
      });
    }
  }
  return env;
}
