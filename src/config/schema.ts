import * as z from 'zod';
import { durationProblem, MAX_DURATION_MS } from '../lib/duration.js';
import { ENGINES, MIGRATION_TOOLS } from './choices.js';
import { CONTEXT_NAME } from './context-name.js';
import {
  CHECK_DEFAULTS,
  CONFIG_DEFAULTS,
  DATABASE_DEFAULTS,
  DEFAULT_LINT_WARN,
  INFRA_DEFAULTS,
  MIGRATION_POLICY_DEFAULTS,
  MIGRATIONS_DEFAULTS,
  SCHEMA_DOCS_DEFAULTS,
  SERVICE_DEFAULTS,
} from './defaults.js';
import { IDENTIFIER } from './schema-template.js';

// The fixed choices live beside the schema, which names them in its enums.
export { ENGINES, type EngineName, MIGRATION_TOOLS, type MigrationTool } from './choices.js';
export { DEFAULT_LINT_WARN, SCHEMA_DOCS_DEFAULTS };

const command = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: 'expected a shell command (a string) or a program and its arguments (an array of strings)',
});
const port = z.number().int().min(1).max(65535);
const durationMs = z
  .number()
  .int()
  .positive()
  .max(MAX_DURATION_MS, { error: (issue) => durationProblem(Number(issue.input)) });
/** Milliseconds, or text with a unit: `500ms`, `30s`, `2m`, `1d`. */
const duration = z.union([
  durationMs,
  z.string().check((ctx) => {
    const problem = durationProblem(ctx.value);
    if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  }),
]);

export const databaseSchema = z.strictObject({
  engine: z.enum(ENGINES).default(DATABASE_DEFAULTS.engine),
  image: z.string().min(1).default(DATABASE_DEFAULTS.image),
  port: port.default(DATABASE_DEFAULTS.port),
  user: z.string().min(1).default(DATABASE_DEFAULTS.user),
  password: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
  bind: z.string().min(1).default(DATABASE_DEFAULTS.bind),
  url: z.string().min(1).optional(),
  dataDir: z.string().min(1).default(DATABASE_DEFAULTS.dataDir),
  readyTimeout: durationMs.default(DATABASE_DEFAULTS.readyTimeout),
  /** Extensions created once per database, before any migration (in `public` unless a schema is given). */
  extensions: z
    .array(
      z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), schema: z.string().min(1) })], {
        error: 'expected an extension name or { name, schema }',
      }),
    )
    .optional(),
  /** SQL files run once per database, before any migration, and recorded so they never run twice. */
  init: z
    .union([z.string().min(1), z.array(z.string().min(1))], { error: 'expected a SQL file path or a list of them' })
    .optional(),
  /**
   * Preload pg_stat_statements in the Docker container (the dashboard's slowest statements). Default:
   * on for the official postgres and postgis images; off for other images, whose own
   * shared_preload_libraries (timescaledb, citus, ...) a command-line setting would replace.
   */
  statStatements: z.boolean().optional(),
  /** Create services' missing databases on an external server too (docker and embedded always do). */
  createDatabases: z.boolean().default(DATABASE_DEFAULTS.createDatabases),
});

const tenantsSchema = z.union(
  [z.array(z.string().min(1)).min(1), z.strictObject({ query: z.string().min(1) }), z.strictObject({ command })],
  { error: 'expected a list of tenant names, { query: "select …" } or { command: "…" }' },
);

const envValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const migrationsSchema = z.strictObject({
  dir: z.string().min(1).optional(),
  tool: z.enum(MIGRATION_TOOLS).optional(),
  command: command.optional(),
  /** The tool's program without a subcommand, for down, dry-run and new migration. */
  program: command.optional(),
  cwd: z.string().min(1).optional(),
  tenants: tenantsSchema.default(() => [...MIGRATIONS_DEFAULTS.tenants]),
  schema: z.string().min(1).default(MIGRATIONS_DEFAULTS.schema),
  /** Variables for the tool, e.g. `{ SQLALCHEMY_DATABASE_URL: '{url}', ALEMBIC_SCHEMA: '{schema}' }`. */
  env: envValues.optional(),
  /** How many tenants of this service migrate at once, after the first has run alone (default 4). */
  concurrency: z.number().int().min(1).default(MIGRATIONS_DEFAULTS.concurrency),
  bootstrap: z
    .enum(['replay', 'schema'])
    .optional()
    .describe(
      "SQL engine and Alembic: how a target with no history is built. 'replay' (default) runs every migration; 'schema' loads the committed snapshot `devup schema` writes (schema.dir/<service>.sql), records the migrations it covers as applied (Alembic: `alembic stamp` of the head it covers), then applies what is newer",
    ),
});

export const readySchema = z.strictObject({
  http: z.string().min(1).optional(),
  tcp: port.optional(),
  log: z.string().min(1).optional(),
  timeout: durationMs.default(SERVICE_DEFAULTS.readyTimeout),
});

/** `services.NAME.check`: what `devup check` runs for the service on the throwaway at head. */
export const serviceCheckSchema = z.strictObject({
  commands: z
    .array(command)
    .optional()
    .describe(
      'commands run against the throwaway database at head, with the connection environment; a non-zero exit fails the check',
    ),
  generated: z
    .array(
      z.strictObject({
        command: command.describe('writes the files from the migrated database, e.g. sqlacodegen'),
        files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      }),
    )
    .optional()
    .describe('generated files that must equal the committed ones (a diff and the command to regenerate when not)'),
  drift: z
    .boolean()
    .optional()
    .describe("Alembic: compare the models (env.py's target_metadata) with the migrated database (default true)"),
  python: z
    .string()
    .min(1)
    .optional()
    .describe('Alembic: the Python that has the models and Alembic, when devup cannot tell it from migrations.program'),
});

export const serviceSchema = z.strictObject({
  cwd: z.string().min(1).default(SERVICE_DEFAULTS.cwd),
  command: command.optional(),
  env: envValues.optional(),
  envFile: z.string().min(1).optional(),
  port: port.optional(),
  dependsOn: z.array(z.string().min(1)).optional(),
  ready: readySchema.optional(),
  restart: z.enum(['no', 'on-failure']).default(SERVICE_DEFAULTS.restart),
  stopTimeout: durationMs.default(SERVICE_DEFAULTS.stopTimeout),
  database: z.string().min(1).optional(),
  migrations: migrationsSchema.optional(),
  seed: z.union([z.string().min(1), z.strictObject({ command })]).optional(),
  /** Restarted (with what depends on it) after `devup dev` applied a new migration of its own. */
  restartOnMigrate: z.boolean().default(SERVICE_DEFAULTS.restartOnMigrate),
  check: serviceCheckSchema.optional(),
});

/** `ready` of an infra entry: one of these, checked against the container (ports are the container's). */
export const infraReadySchema = z.strictObject({
  tcp: port.optional(),
  http: z.string().min(1).optional().describe('a path on the first port (`/health`), or `PORT/path`'),
  log: z.string().min(1).optional(),
  command: command.optional().describe('run inside the container; ready when it exits 0'),
  timeout: duration.optional(),
});

/** `infra.NAME`: a container devup runs beside Postgres (a preset `kind`, or any `image`). */
export const infraSchema = z.strictObject({
  kind: z
    .string()
    .min(1)
    .optional()
    .describe('redis, rabbitmq, minio, qdrant or mailpit; leave out for a generic container'),
  image: z.string().min(1).optional(),
  ports: z
    .record(z.string().regex(/^\d+$/, 'a container port number'), port)
    .optional()
    .describe(
      "container port → host port (bound on 127.0.0.1, shifted with the checkout); replaces the preset's ports",
    ),
  env: envValues.optional(),
  command: command.optional(),
  volumes: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a volume name: lower-case letters, digits, ".", "-", "_"'),
      z.string().startsWith('/'),
    )
    .optional()
    .describe('volume name → path in the container; named per project and checkout'),
  data: z.enum(['persist', 'ephemeral']).default(INFRA_DEFAULTS.data),
  ready: infraReadySchema.optional(),
  dependsOn: z.array(z.string().min(1)).optional(),
  native: z
    .boolean()
    .default(INFRA_DEFAULTS.native)
    .describe("without Docker, run the preset's own program when it is on PATH"),
});

/**
 * squawk rules that only warn unless configured otherwise: advice on style and timeouts. Every
 * other rule (table rewrites, long locks, dropped columns) fails `devup check`.
 */

export const lintSchema = z.strictObject({
  ignore: z
    .array(z.string().min(1))
    .default([])
    .describe('squawk rules never reported (per file: a `-- devup:lint-ignore <rule>` comment)'),
  warn: z
    .array(z.string().min(1))
    .default(() => [...DEFAULT_LINT_WARN])
    .describe('squawk rules reported as warnings; every other finding fails `devup check` ("*": none fails)'),
});

export const checkSchema = z.strictObject({
  tenants: z
    .array(z.string().regex(IDENTIFIER, 'a tenant name: lower-case letters, digits and _'))
    .min(1)
    .optional()
    .describe('tenants `devup check` migrates for services whose tenants come from a query or command'),
  lint: lintSchema.prefault({}),
  statementTimeout: duration
    .default(CHECK_DEFAULTS.statementTimeout)
    .describe(
      'statement_timeout for the migrations `devup check` applies (default 5m): one that never ends fails the check instead of hanging it',
    ),
});

/** `schema`: where `devup schema` writes each service's snapshot and docs, and when. */

export const schemaDocsSchema = z.strictObject({
  dir: z.string().min(1).default(SCHEMA_DOCS_DEFAULTS.dir),
  exclude: z.array(z.string().min(1)).default(() => [...SCHEMA_DOCS_DEFAULTS.exclude]),
  refresh: z.boolean().default(SCHEMA_DOCS_DEFAULTS.refresh),
});

const contextName = z.string().regex(CONTEXT_NAME, 'a context name: letters, digits, _ . - (e.g. dev, production)');

/** How every migration runs (deploys against live traffic). */
const migrationPolicySchema = z.strictObject({
  /** lock_timeout for every migration: it never queues behind a table lock held by live traffic. */
  lockTimeout: duration.optional(),
  statementTimeout: duration.optional(),
  /** Retries, with backoff, of a migration that hit lock_timeout. */
  lockRetries: z.number().int().min(0).max(20).default(MIGRATION_POLICY_DEFAULTS.lockRetries),
  context: z
    .union([contextName, z.array(contextName).min(1)])
    .optional()
    .describe(
      "the contexts `devup dev` and a plain `devup migrate` run (default 'dev'): a migration or seed with `-- devup:context` runs only in those it names",
    ),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  project: z.string().min(1).optional(),
  requiredEnv: z.array(z.string().min(1)).optional(),
  onServiceExit: z.enum(['keep-running', 'stop-all']).default(CONFIG_DEFAULTS.onServiceExit),
  keepGoing: z
    .boolean()
    .default(CONFIG_DEFAULTS.keepGoing)
    .describe(
      '`devup dev` keeps the other services running when one fails to start or gives up; the failed one restarts on `r` or when one of its files changes (also `devup dev --keep-going`)',
    ),
  ports: z
    .enum(['auto', 'fixed'])
    .default(CONFIG_DEFAULTS.ports)
    .describe(
      "'auto': a second checkout of the project on this machine gets its own ports and container names; 'fixed': always the configured ones",
    ),
  /** `devup dev` watches the migration directories and applies a new migration as it is saved. */
  watch: z.boolean().default(CONFIG_DEFAULTS.watch),
  ui: z
    .union([
      z.boolean(),
      z.strictObject({
        port: port.optional().describe('the port to try first (default 4900, shifted with the checkout)'),
        readOnly: z.boolean().optional().describe('show the dashboard without any action (as --ui-read-only)'),
      }),
    ])
    .optional()
    .describe('`devup dev` serves the local dashboard (as --ui): true, or { port, readOnly }'),
  database: databaseSchema.optional(),
  schema: schemaDocsSchema.optional(),
  migrations: migrationPolicySchema.optional(),
  infra: z.record(z.string(), infraSchema).optional(),
  services: z.record(z.string(), serviceSchema),
  check: checkSchema.prefault({}),
});

/** What a user writes in devup.config.*: everything but `services` is optional. */
export type DevupConfigInput = z.input<typeof configSchema>;
export type ServiceInput = z.input<typeof serviceSchema>;
export type InfraInput = z.input<typeof infraSchema>;
export type CheckInput = z.output<typeof checkSchema>;
export type TenantsInput = z.input<typeof tenantsSchema>;
export type CommandInput = z.input<typeof command>;
