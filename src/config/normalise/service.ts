import { existsSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_DEFAULTS } from '../defaults.js';
import { usesPlaceholder } from '../env-placeholders.js';
import type { ServiceInput } from '../schema.js';
import { IDENTIFIER } from '../schema-template.js';
import { closest } from '../suggest.js';
import type { ReadyCheck, SeedSettings, ServiceCheckSettings, ServiceSettings } from '../types.js';
import { isDirectory, type NormaliseContext, normaliseEnv, relative, toCommand } from './context.js';
import { normaliseMigrations } from './migrations.js';

const NAME = /^[a-z][a-z0-9_-]*$/;

/** `services.NAME`: paths resolved from the config's directory, dependencies checked against `names`. */
export function normaliseService(
  ctx: NormaliseContext,
  name: string,
  input: ServiceInput,
  names: string[],
): ServiceSettings {
  const at = `services.${name}`;
  if (!NAME.test(name)) {
    ctx.problems.push({
      path: at,
      message: 'service names use lower-case letters, digits, - and _, starting with a letter',
    });
  }
  const cwd = path.resolve(ctx.root, input.cwd ?? SERVICE_DEFAULTS.cwd);
  if (!isDirectory(cwd)) ctx.problems.push({ path: `${at}.cwd`, message: `no such directory: ${relative(ctx, cwd)}` });
  let envFile: string | undefined;
  if (input.envFile !== undefined) {
    envFile = path.resolve(cwd, input.envFile);
    if (!existsSync(envFile)) {
      ctx.problems.push({ path: `${at}.envFile`, message: `no such file: ${relative(ctx, envFile)}` });
    }
  }
  const dependsOn = input.dependsOn ?? [];
  checkDependencies(ctx, name, dependsOn, names);
  if (input.database !== undefined && !IDENTIFIER.test(input.database)) {
    ctx.problems.push({ path: `${at}.database`, message: `"${input.database}" is not a valid database name` });
  }
  const migrations = input.migrations === undefined ? undefined : normaliseMigrations(ctx, name, input.migrations, cwd);
  const env = normaliseEnv(ctx, `${at}.env`, input.env);
  if (input.migrations === undefined) checkNoTenantPlaceholders(ctx, at, env);
  return {
    name,
    cwd,
    command: input.command === undefined ? undefined : toCommand(input.command),
    env,
    envFile,
    port: input.port,
    dependsOn,
    ready: normaliseReady(ctx, name, input),
    readyTimeoutMs: input.ready?.timeout ?? SERVICE_DEFAULTS.readyTimeout,
    restart: input.restart ?? SERVICE_DEFAULTS.restart,
    stopTimeoutMs: input.stopTimeout ?? SERVICE_DEFAULTS.stopTimeout,
    database: input.database,
    migrations,
    seed: normaliseSeed(input.seed),
    restartOnMigrate: input.restartOnMigrate ?? SERVICE_DEFAULTS.restartOnMigrate,
    check: normaliseServiceCheck(input.check, cwd),
  };
}

/** `{schema}` and `{tenant}` name a tenant schema: a service without migrations has none. */
function checkNoTenantPlaceholders(ctx: NormaliseContext, at: string, env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) {
    if (usesPlaceholder(value, ['schema', 'tenant'])) {
      ctx.problems.push({
        path: `${at}.env.${key}`,
        message: '{schema} and {tenant} name a tenant schema, and this service has no migrations',
      });
    }
  }
}

/** A glob of SQL files, or a command. */
function normaliseSeed(input: ServiceInput['seed']): SeedSettings | undefined {
  if (typeof input === 'string') return { kind: 'sql', pattern: input };
  return input === undefined ? undefined : { kind: 'command', command: toCommand(input.command) };
}

/** Paths relative to the service's directory, where its generator runs; commands as written. */
function normaliseServiceCheck(input: ServiceInput['check'], cwd: string): ServiceCheckSettings {
  return {
    commands: (input?.commands ?? []).map(toCommand),
    generated: (input?.generated ?? []).map((g) => ({
      command: toCommand(g.command),
      files: [g.files].flat().map((file) => path.resolve(cwd, file)),
    })),
    drift: input?.drift ?? true,
    python: input?.python,
  };
}

function checkDependencies(ctx: NormaliseContext, name: string, dependsOn: readonly string[], names: string[]): void {
  for (const dependency of dependsOn) {
    if (!names.includes(dependency)) {
      const suggestion = closest(dependency, names);
      ctx.problems.push({
        path: `services.${name}.dependsOn`,
        message: `unknown service or infra "${dependency}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      });
    } else if (dependency === name) {
      ctx.problems.push({ path: `services.${name}.dependsOn`, message: 'a service cannot depend on itself' });
    }
  }
}

/** How devup knows the service is up: one of http, tcp or log, else its port, else not at all. */
function normaliseReady(ctx: NormaliseContext, name: string, input: ServiceInput): ReadyCheck {
  const ready = input.ready;
  const at = `services.${name}.ready`;
  if (ready === undefined) {
    return input.port === undefined ? { kind: 'none' } : { kind: 'tcp', port: input.port };
  }
  const kinds = (['http', 'tcp', 'log'] as const).filter((key) => ready[key] !== undefined);
  if (kinds.length > 1) {
    ctx.problems.push({ path: at, message: `choose one of http, tcp or log (found ${kinds.join(', ')})` });
  }
  if (ready.http !== undefined) {
    let url = ready.http;
    if (url.startsWith('/')) {
      if (input.port === undefined) {
        ctx.problems.push({ path: `${at}.http`, message: 'a path needs the service\'s "port"; or give a full URL' });
        return { kind: 'none' };
      }
      url = `http://127.0.0.1:${input.port}${url}`;
    }
    try {
      new URL(url);
    } catch {
      ctx.problems.push({ path: `${at}.http`, message: `"${ready.http}" is not a URL or a path starting with /` });
    }
    return { kind: 'http', url };
  }
  if (ready.tcp !== undefined) return { kind: 'tcp', port: ready.tcp };
  if (ready.log !== undefined) {
    try {
      return { kind: 'log', pattern: new RegExp(ready.log) };
    } catch (error) {
      ctx.problems.push({ path: `${at}.log`, message: `not a valid regular expression: ${(error as Error).message}` });
    }
  }
  return input.port === undefined ? { kind: 'none' } : { kind: 'tcp', port: input.port };
}
