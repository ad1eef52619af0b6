import path from 'node:path';
import { parseDuration } from '../../lib/duration.js';
import { DEFAULT_CONTEXT } from '../context-name.js';
import {
  CHECK_DEFAULTS,
  CONFIG_DEFAULTS,
  DEFAULT_LINT_WARN,
  MIGRATION_POLICY_DEFAULTS,
  SCHEMA_DOCS_DEFAULTS,
} from '../defaults.js';
import { dependencyCycle } from '../dependency-graph.js';
import { containsPath, containsRealPath, heldProjectPath, projectPaths, realPathSoFar } from '../project-paths.js';
import type { DevupConfigInput, InfraInput, ServiceInput } from '../schema.js';
import { renderSchemaName } from '../schema-template.js';
import { closest } from '../suggest.js';
import type { DatabaseSettings, InfraSettings, ResolvedConfig, SchemaDocsSettings, ServiceSettings } from '../types.js';
import type { ConfigProblem, NormaliseContext } from './context.js';
import { relative } from './context.js';
import { normaliseDatabase } from './database.js';
import { normaliseInfra } from './infra.js';
import { checkInfraNames } from './infra-rules.js';
import { normaliseService } from './service.js';
import { checkServiceReferences } from './service-references.js';

export type { ConfigProblem };

const PROJECT = /^[a-z0-9][a-z0-9_.-]*$/;

function sanitizeProjectName(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return name || 'devup';
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
  const ctx: NormaliseContext = { root, env: options.env, problems: [] };

  const project = projectName(ctx, input.project, root);
  const { database, databaseSetup } = normaliseDatabase(ctx, input.database, project);

  const stateDir = path.join(root, '.devup');
  const names = Object.keys(input.services);
  if (names.length === 0) ctx.problems.push({ path: 'services', message: 'declare at least one service' });
  const infraNames = Object.keys(input.infra ?? {});
  const infra = infraNames.map((name) => normaliseInfra(ctx, name, input.infra?.[name] as InfraInput, stateDir));
  const services = names.map((name) =>
    normaliseService(ctx, name, input.services[name] as ServiceInput, [...names, ...infraNames]),
  );
  checkAcrossKeys(
    ctx,
    { services, infra, database },
    projectPaths({ configPath: options.configPath, stateDir, services }),
  );
  checkRequiredEnv(ctx, input.requiredEnv, options.env);

  const schemaDocs = normaliseSchemaDocs(ctx, input.schema, names);
  checkSchemaDir(ctx, schemaDocs.dir, services);

  const config: ResolvedConfig = {
    configPath: options.configPath,
    root,
    stateDir,
    project,
    onServiceExit: input.onServiceExit ?? CONFIG_DEFAULTS.onServiceExit,
    keepGoing: input.keepGoing ?? CONFIG_DEFAULTS.keepGoing,
    ports: input.ports ?? CONFIG_DEFAULTS.ports,
    watch: input.watch ?? CONFIG_DEFAULTS.watch,
    ui: normaliseUi(input.ui),
    dotenv: {},
    database,
    schema: schemaDocs,
    databaseSetup,
    migrations: normaliseMigrationPolicy(input.migrations),
    infra,
    services,
    check: normaliseCheck(input.check),
  };
  return { config: ctx.problems.length === 0 ? config : undefined, problems: ctx.problems };
}

function normaliseUi(input: DevupConfigInput['ui']): ResolvedConfig['ui'] {
  return typeof input === 'object'
    ? { enabled: true, port: input.port, readOnly: input.readOnly ?? false }
    : { enabled: input === true, port: undefined, readOnly: false };
}

/** The top-level `migrations`: what every service's migrations run with. */
function normaliseMigrationPolicy(input: DevupConfigInput['migrations']): ResolvedConfig['migrations'] {
  return {
    lockTimeoutMs: toMs(input?.lockTimeout),
    statementTimeoutMs: toMs(input?.statementTimeout),
    lockRetries: input?.lockRetries ?? MIGRATION_POLICY_DEFAULTS.lockRetries,
    contexts: [...new Set([input?.context ?? DEFAULT_CONTEXT].flat())],
  };
}

function normaliseCheck(input: DevupConfigInput['check']): ResolvedConfig['check'] {
  return {
    tenants: input?.tenants,
    lint: { ignore: input?.lint?.ignore ?? [], warn: input?.lint?.warn ?? [...DEFAULT_LINT_WARN] },
    statementTimeoutMs: toMs(input?.statementTimeout) ?? CHECK_DEFAULTS.statementTimeout,
  };
}

function projectName(ctx: NormaliseContext, declared: string | undefined, root: string): string {
  const project = declared ?? sanitizeProjectName(root);
  if (!PROJECT.test(project)) {
    ctx.problems.push({
      path: 'project',
      message: `"${project}" must be lower-case letters, digits, ".", "-" or "_" (it names the container and volume)`,
    });
  }
  return project;
}

/** The rules that span keys: names, databases, shared schemas, the data directory, cycles, ports, references. */
function checkAcrossKeys(
  ctx: NormaliseContext,
  { services, infra, database }: { services: ServiceSettings[]; infra: InfraSettings[]; database: DatabaseSettings },
  paths: ReturnType<typeof projectPaths>,
): void {
  checkInfraNames(ctx, infra, services);
  checkServiceDatabases(ctx, services, database);
  checkSharedSchemas(ctx, services);
  checkDataDir(ctx, database, paths);
  const cycle = dependencyCycle(services, infra);
  if (cycle) ctx.problems.push(cycle);
  checkPorts(ctx, services, database, infra);
  checkServiceReferences(ctx, services);
}

function checkRequiredEnv(
  ctx: NormaliseContext,
  required: readonly string[] | undefined,
  env: NodeJS.ProcessEnv,
): void {
  const missing = (required ?? []).filter((name) => !env[name]);
  if (missing.length > 0) {
    ctx.problems.push({
      path: 'requiredEnv',
      message: `missing environment variables: ${missing.join(', ')} (set them in .env next to the config)`,
    });
  }
}

function checkServiceDatabases(
  ctx: NormaliseContext,
  services: readonly ServiceSettings[],
  database: DatabaseSettings,
): void {
  for (const service of services) {
    if (service.database !== undefined && service.database === database.database) {
      ctx.problems.push({
        path: `services.${service.name}.database`,
        message: `"${service.database}" is the main database (database.database); leave \`database\` out to share it`,
      });
    }
  }
}

/** Two services rendering the same schema would share one history table (and one reset). */
function checkSharedSchemas(ctx: NormaliseContext, services: readonly ServiceSettings[]): void {
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
}

/** reset and `down --volumes` delete the data directory whole: it must hold nothing of the project. */
function checkDataDir(ctx: NormaliseContext, database: DatabaseSettings, paths: ReturnType<typeof projectPaths>): void {
  const held = heldProjectPath(database.dataDir, paths);
  if (held === undefined) return;
  ctx.problems.push({
    path: 'database.dataDir',
    message: `"${relative(ctx, database.dataDir)}" contains ${relative(ctx, held)}: \`devup reset\` and \`down --volumes\` delete the data directory whole, so it must be a directory of its own (the default is .devup/postgres)`,
  });
}

/**
 * `devup schema` writes and removes files in schema.dir: outside the project it would write where
 * nobody reviews it, and in a migration directory its .sql files would be taken for migrations.
 */
function checkSchemaDir(ctx: NormaliseContext, dir: string, services: readonly ServiceSettings[]): void {
  const problem = schemaDirProblem(ctx, dir, services);
  if (problem === undefined) return;
  // Outside the project a path relative to it ("../../..") says less than the path itself.
  const shown = containsPath(ctx.root, dir) ? relative(ctx, dir) : dir;
  ctx.problems.push({
    path: 'schema.dir',
    message: `"${shown}" ${problem}; use a directory of its own inside the project (the default is docs/database)`,
  });
}

function schemaDirProblem(
  ctx: NormaliseContext,
  dir: string,
  services: readonly ServiceSettings[],
): string | undefined {
  if (path.parse(dir).root === dir) return 'is the filesystem root';
  // Each resolved once: schema.dir is often not created yet, and a missing path's realpath throws.
  const realRoot = realPathSoFar(ctx.root);
  const realDir = realPathSoFar(dir);
  if (!containsRealPath(realRoot, realDir)) return 'is outside the project';
  for (const service of services) {
    const held = service.migrations?.dir;
    if (held === undefined) continue;
    // Its .sql files would be read as migrations, and a folder in it is a malformed migration;
    // migrations kept at the project root itself leave the folders below it to the project.
    const realHeld = realPathSoFar(held);
    const inside = realHeld === realRoot ? realHeld === realDir : containsRealPath(realHeld, realDir);
    if (inside) return `is in the migrations of services.${service.name} (${relative(ctx, held)})`;
  }
  return undefined;
}

function checkPorts(
  ctx: NormaliseContext,
  services: readonly ServiceSettings[],
  database: DatabaseSettings,
  infra: readonly InfraSettings[],
): void {
  const ports = new Map<number, string>([[database.port, 'database.port']]);
  const claim = (port: number, key: string) => {
    const other = ports.get(port);
    if (other) ctx.problems.push({ path: key, message: `${port} is also used by ${other}` });
    ports.set(port, key);
  };
  for (const service of services) if (service.port !== undefined) claim(service.port, `services.${service.name}.port`);
  for (const entry of infra) for (const p of entry.ports) claim(p.host, `infra.${entry.name}.ports.${p.container}`);
}

/** `schema.exclude` entries must name services that exist (patterns with `*` may match none). */
function normaliseSchemaDocs(
  ctx: NormaliseContext,
  input: DevupConfigInput['schema'],
  services: readonly string[],
): SchemaDocsSettings {
  const exclude = input?.exclude ?? [...SCHEMA_DOCS_DEFAULTS.exclude];
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
