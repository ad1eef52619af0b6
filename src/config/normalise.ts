import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from '../duration.js';
import { defaultPassword } from './default-password.js';
import { DEFAULT_LINT_WARN, SCHEMA_DOCS_DEFAULTS } from './defaults.js';
import { ENV_PLACEHOLDERS, unknownPlaceholders, usesPlaceholder } from './env-placeholders.js';
import { heldProjectPath, projectPaths } from './project-paths.js';
import type { DevupConfigInput, ServiceInput } from './schema.js';
import { closest } from './suggest.js';
import type {
  CommandSpec,
  DatabaseSettings,
  MigrationSettings,
  ReadyCheck,
  ResolvedConfig,
  SchemaDocsSettings,
  SeedSettings,
  ServiceSettings,
  TenantSource,
} from './types.js';

/** One thing wrong with the config, with the key path it concerns. */
export interface ConfigProblem {
  path: string;
  message: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** Schemas that belong to Postgres itself. */
const RESERVED_SCHEMA = /^(information_schema|pg_.*)$/;
const NAME = /^[a-z][a-z0-9_-]*$/;
const PROJECT = /^[a-z0-9][a-z0-9_.-]*$/;

function toCommand(value: string | string[]): CommandSpec {
  return typeof value === 'string' ? { shell: value } : { argv: value };
}

/** Env values as strings; `{placeholders}` devup does not know are problems at `at.KEY`. */
function normaliseEnv(ctx: Context, at: string, env: ServiceInput['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(env ?? {})) {
    const value = String(raw);
    for (const name of unknownPlaceholders(value)) {
      ctx.problems.push({
        path: `${at}.${key}`,
        message: `unknown placeholder {${name}}: use ${ENV_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')} (or {{ }} for literal braces)`,
      });
    }
    out[key] = value;
  }
  return out;
}

/** A schema name for a target, from a template such as `auth_{tenant}`. */
export function renderSchemaName(template: string, service: string, tenant: string): string {
  return template.replaceAll('{service}', service.replaceAll('-', '_')).replaceAll('{tenant}', tenant);
}

/** Problems with a schema-name template, or with the schema names it produces. */
export function checkSchemaTemplate(template: string, service: string, tenants: readonly string[]): string[] {
  const problems: string[] = [];
  const leftover = template.replaceAll('{service}', '').replaceAll('{tenant}', '');
  if (/[{}]/.test(leftover)) {
    problems.push(`unknown placeholder in "${template}"; use {service} and {tenant}`);
    return problems;
  }
  if (tenants.length > 1 && !template.includes('{tenant}')) {
    problems.push(`"${template}" has no {tenant}, so every tenant would share one schema; add {tenant}`);
  }
  for (const tenant of tenants) {
    const name = renderSchemaName(template, service, tenant);
    if (RESERVED_SCHEMA.test(name)) {
      problems.push(`"${name}" is reserved: information_schema and pg_* belong to Postgres`);
    } else if (!IDENTIFIER.test(name) || name.length > 63) {
      problems.push(
        `"${name}" (tenant "${tenant}") is not a valid schema name: use lower-case letters, digits and _, at most 63 characters`,
      );
    }
  }
  return problems;
}

function sanitizeProjectName(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return name || 'devup';
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

interface Context {
  root: string;
  env: NodeJS.ProcessEnv;
  problems: ConfigProblem[];
}

function relative(ctx: Context, file: string): string {
  return path.relative(ctx.root, file) || '.';
}

function normaliseMigrations(
  ctx: Context,
  name: string,
  input: NonNullable<ServiceInput['migrations']>,
  serviceCwd: string,
): MigrationSettings | undefined {
  const at = `services.${name}.migrations`;
  if (input.dir === undefined && input.tool === undefined) {
    ctx.problems.push({ path: at, message: 'needs "dir" (devup runs the SQL files) or "tool" (an external tool)' });
    return undefined;
  }
  let tenants: TenantSource;
  const rawTenants = input.tenants ?? ['default'];
  if (Array.isArray(rawTenants)) {
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
    tenants = { kind: 'list', tenants: rawTenants };
  } else if ('query' in rawTenants) {
    tenants = { kind: 'query', sql: rawTenants.query };
  } else {
    tenants = { kind: 'command', command: toCommand(rawTenants.command) };
  }
  const schemaTemplate = input.schema ?? '{service}_{tenant}';
  const concurrency = input.concurrency ?? 4;
  const sampleTenants = tenants.kind === 'list' ? tenants.tenants : ['tenant', 'other'];
  for (const message of checkSchemaTemplate(schemaTemplate, name, sampleTenants)) {
    ctx.problems.push({ path: `${at}.schema`, message });
  }

  const resolveDir = (dir: string, key: string): string | undefined => {
    const absolute = path.resolve(serviceCwd, dir);
    if (!isDirectory(absolute)) {
      ctx.problems.push({ path: `${at}.${key}`, message: `no such directory: ${relative(ctx, absolute)}` });
      return undefined;
    }
    return absolute;
  };

  if (input.tool === undefined) {
    if (input.command !== undefined) {
      ctx.problems.push({ path: `${at}.command`, message: 'only used with "tool"; remove it or set tool: "command"' });
    }
    if (input.program !== undefined) {
      ctx.problems.push({ path: `${at}.program`, message: 'only used with "tool"; remove it' });
    }
    if (input.env !== undefined) {
      ctx.problems.push({ path: `${at}.env`, message: 'only used with "tool"; devup runs SQL files itself' });
    }
    const dir = resolveDir(input.dir ?? '', 'dir');
    return dir === undefined ? undefined : { kind: 'sql', dir, tenants, schemaTemplate, concurrency };
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
    env: normaliseEnv(ctx, `${at}.env`, input.env),
    tenants,
    schemaTemplate,
    concurrency,
  };
}

function normaliseReady(ctx: Context, name: string, input: ServiceInput): ReadyCheck {
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

function normaliseService(ctx: Context, name: string, input: ServiceInput, names: string[]): ServiceSettings {
  const at = `services.${name}`;
  if (!NAME.test(name)) {
    ctx.problems.push({
      path: at,
      message: 'service names use lower-case letters, digits, - and _, starting with a letter',
    });
  }
  const cwd = path.resolve(ctx.root, input.cwd ?? '.');
  if (!isDirectory(cwd)) ctx.problems.push({ path: `${at}.cwd`, message: `no such directory: ${relative(ctx, cwd)}` });
  let envFile: string | undefined;
  if (input.envFile !== undefined) {
    envFile = path.resolve(cwd, input.envFile);
    if (!existsSync(envFile)) {
      ctx.problems.push({ path: `${at}.envFile`, message: `no such file: ${relative(ctx, envFile)}` });
    }
  }
  const dependsOn = input.dependsOn ?? [];
  for (const dependency of dependsOn) {
    if (!names.includes(dependency)) {
      const suggestion = closest(dependency, names);
      ctx.problems.push({
        path: `${at}.dependsOn`,
        message: `unknown service "${dependency}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      });
    } else if (dependency === name) {
      ctx.problems.push({ path: `${at}.dependsOn`, message: 'a service cannot depend on itself' });
    }
  }
  if (input.database !== undefined && !IDENTIFIER.test(input.database)) {
    ctx.problems.push({ path: `${at}.database`, message: `"${input.database}" is not a valid database name` });
  }
  const migrations = input.migrations === undefined ? undefined : normaliseMigrations(ctx, name, input.migrations, cwd);
  const env = normaliseEnv(ctx, `${at}.env`, input.env);
  if (input.migrations === undefined) {
    for (const [key, value] of Object.entries(env)) {
      if (usesPlaceholder(value, ['schema', 'tenant'])) {
        ctx.problems.push({
          path: `${at}.env.${key}`,
          message: '{schema} and {tenant} name a tenant schema, and this service has no migrations',
        });
      }
    }
  }
  let seed: SeedSettings | undefined;
  if (typeof input.seed === 'string') seed = { kind: 'sql', pattern: input.seed };
  else if (input.seed !== undefined) seed = { kind: 'command', command: toCommand(input.seed.command) };
  return {
    name,
    cwd,
    command: input.command === undefined ? undefined : toCommand(input.command),
    env,
    envFile,
    port: input.port,
    dependsOn,
    ready: normaliseReady(ctx, name, input),
    readyTimeoutMs: input.ready?.timeout ?? 60_000,
    restart: input.restart ?? 'no',
    stopTimeoutMs: input.stopTimeout ?? 5_000,
    database: input.database,
    migrations,
    seed,
    restartOnMigrate: input.restartOnMigrate !== false,
  };
}

/** Finds a dependency cycle, returned as the names along it, e.g. [a, b, a]. */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const seen = state.get(node);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Steps two and three of validation: fill defaults, resolve paths, and check the rules that
 * span keys (directories exist, dependencies are known and acyclic, ports are unique).
 * Needs no schema library, so the warm path can skip zod for a config it has seen before.
 */
export function normaliseConfig(
  input: DevupConfigInput,
  options: { configPath: string; env: NodeJS.ProcessEnv },
): { config: ResolvedConfig | undefined; problems: ConfigProblem[] } {
  const root = path.dirname(options.configPath);
  const ctx: Context = { root, env: options.env, problems: [] };

  const project = input.project ?? sanitizeProjectName(root);
  if (!PROJECT.test(project)) {
    ctx.problems.push({
      path: 'project',
      message: `"${project}" must be lower-case letters, digits, ".", "-" or "_" (it names the container and volume)`,
    });
  }

  const db = input.database ?? {};
  const url = db.url ?? options.env.DATABASE_URL;
  const engine = db.engine ?? 'auto';
  if (engine === 'external' && url === undefined) {
    ctx.problems.push({ path: 'database.url', message: 'engine "external" needs database.url or DATABASE_URL' });
  }
  if (url !== undefined) {
    try {
      const parsedUrl = new URL(url);
      if (!/^postgres(ql)?:$/.test(parsedUrl.protocol)) throw new Error('protocol');
      try {
        for (const part of [parsedUrl.username, parsedUrl.password, parsedUrl.pathname]) decodeURIComponent(part);
      } catch {
        ctx.problems.push({
          path: 'database.url',
          message:
            'has a "%" that is not followed by two hex digits in its user, password or database name: write a literal % as %25',
        });
      }
    } catch {
      ctx.problems.push({ path: 'database.url', message: 'is not a postgres:// URL' });
    }
  }
  const databasePort = db.port ?? 54320;
  const extensions = (db.extensions ?? []).map((entry) =>
    typeof entry === 'string' ? { name: entry, schema: 'public' } : entry,
  );
  const init = (typeof db.init === 'string' ? [db.init] : (db.init ?? [])).map((file, index) => {
    const absolute = path.resolve(root, file);
    if (!existsSync(absolute) || isDirectory(absolute)) {
      const key = typeof db.init === 'string' ? 'database.init' : `database.init[${index}]`;
      ctx.problems.push({ path: key, message: `no such file: ${relative(ctx, absolute)}` });
    }
    return absolute;
  });
  const password = db.password !== undefined ? { password: db.password } : defaultPassword(path.join(root, '.devup'));
  const database: DatabaseSettings = {
    engine,
    image: db.image ?? 'postgres:17',
    port: databasePort,
    user: db.user ?? 'devup',
    password: password.password,
    ...(password.unsavedIn ? { unsavedPasswordFile: password.unsavedIn } : {}),
    database: db.database ?? project.replace(/[^a-z0-9_]/g, '_'),
    bind: db.bind ?? '127.0.0.1',
    url,
    dataDir: path.resolve(root, db.dataDir ?? '.devup/postgres'),
    readyTimeoutMs: db.readyTimeout ?? 60_000,
    createDatabases: db.createDatabases ?? false,
  };

  const names = Object.keys(input.services);
  if (names.length === 0) ctx.problems.push({ path: 'services', message: 'declare at least one service' });
  const services = names.map((name) => normaliseService(ctx, name, input.services[name] as ServiceInput, names));

  for (const service of services) {
    if (service.database !== undefined && service.database === database.database) {
      ctx.problems.push({
        path: `services.${service.name}.database`,
        message: `"${service.database}" is the main database (database.database); leave \`database\` out to share it`,
      });
    }
  }

  // Two services rendering the same schema would share one history table (and one reset).
  const owners = new Map<string, string>();
  for (const service of services) {
    const m = service.migrations;
    if (m?.tenants.kind !== 'list') continue;
    for (const tenant of m.tenants.tenants) {
      const schema = `${service.database ?? ''}.${renderSchemaName(m.schemaTemplate, service.name, tenant)}`;
      const other = owners.get(schema);
      if (other && other !== service.name) {
        ctx.problems.push({
          path: `services.${service.name}.migrations.schema`,
          message: `schema "${schema.slice(schema.indexOf('.') + 1)}" is also used by services.${other}; give each service its own`,
        });
      }
      owners.set(schema, service.name);
    }
  }

  // reset and `down --volumes` delete the data directory whole: it must hold nothing of the project.
  const stateDir = path.join(root, '.devup');
  const held = heldProjectPath(database.dataDir, projectPaths({ configPath: options.configPath, stateDir, services }));
  if (held !== undefined) {
    ctx.problems.push({
      path: 'database.dataDir',
      message: `"${relative(ctx, database.dataDir)}" contains ${relative(ctx, held)}: \`devup reset\` and \`down --volumes\` delete the data directory whole, so it must be a directory of its own (the default is .devup/postgres)`,
    });
  }

  const cycle = findCycle(new Map(services.map((s) => [s.name, s.dependsOn.filter((d) => names.includes(d))])));
  if (cycle) ctx.problems.push({ path: 'services', message: `dependency cycle: ${cycle.join(' → ')}` });

  const ports = new Map<number, string>([[database.port, 'database.port']]);
  for (const service of services) {
    if (service.port === undefined) continue;
    const other = ports.get(service.port);
    if (other) {
      ctx.problems.push({ path: `services.${service.name}.port`, message: `${service.port} is also used by ${other}` });
    }
    ports.set(service.port, `services.${service.name}.port`);
  }

  const missingEnv = (input.requiredEnv ?? []).filter((name) => !options.env[name]);
  if (missingEnv.length > 0) {
    ctx.problems.push({
      path: 'requiredEnv',
      message: `missing environment variables: ${missingEnv.join(', ')} (set them in .env next to the config)`,
    });
  }

  const schemaDocs = normaliseSchemaDocs(ctx, input.schema, names);

  const config: ResolvedConfig = {
    configPath: options.configPath,
    root,
    stateDir,
    project,
    onServiceExit: input.onServiceExit ?? 'keep-running',
    ports: input.ports ?? 'auto',
    watch: input.watch !== false,
    dotenv: {},
    database,
    schema: schemaDocs,
    databaseSetup: { extensions, init },
    migrations: {
      lockTimeoutMs: toMs(input.migrations?.lockTimeout),
      statementTimeoutMs: toMs(input.migrations?.statementTimeout),
      lockRetries: input.migrations?.lockRetries ?? 4,
    },
    services,
    // The schema fills these defaults; the fallbacks serve a raw config checked only for its rules.
    check: {
      tenants: input.check?.tenants,
      lint: { ignore: input.check?.lint?.ignore ?? [], warn: input.check?.lint?.warn ?? [...DEFAULT_LINT_WARN] },
    },
  };
  return { config: ctx.problems.length === 0 ? config : undefined, problems: ctx.problems };
}

/** `schema.exclude` entries must name services that exist (patterns with `*` may match none). */
function normaliseSchemaDocs(
  ctx: Context,
  input: DevupConfigInput['schema'],
  services: readonly string[],
): SchemaDocsSettings {
  const exclude = input?.exclude ?? SCHEMA_DOCS_DEFAULTS.exclude;
  for (const entry of exclude) {
    const service = entry.split('.')[0] ?? '';
    if (service.includes('*') || services.includes(service)) continue;
    const suggestion = closest(service, services);
    ctx.problems.push({
      path: 'schema.exclude',
      message: `"${entry}" names no service${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; use "service" or "service.table"`,
    });
  }
  return {
    dir: path.resolve(ctx.root, input?.dir ?? SCHEMA_DOCS_DEFAULTS.dir),
    exclude,
    refresh: input?.refresh ?? SCHEMA_DOCS_DEFAULTS.refresh,
  };
}

/** A duration the schema accepted (milliseconds, or text with a unit) in milliseconds. */
function toMs(value: number | string | undefined): number | undefined {
  return typeof value === 'string' ? parseDuration(value) : value;
}
