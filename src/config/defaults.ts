// Every fixed default of the config, in one place. The zod schema reads them (so the published
// JSON Schema shows them to editors) and the normaliser reads them too: a config that passed
// validation before skips zod (see validate() in load.ts), and then zod is not even loaded.
// Defaults computed from other values (the database name from the project, the password) are
// the normaliser's alone.

export const CONFIG_DEFAULTS = {
  onServiceExit: 'keep-running',
  keepGoing: false,
  ports: 'auto',
  watch: true,
} as const;

export const DATABASE_DEFAULTS = {
  engine: 'auto',
  image: 'postgres:17',
  port: 54320,
  user: 'devup',
  bind: '127.0.0.1',
  dataDir: '.devup/postgres',
  readyTimeout: 60_000,
  createDatabases: false,
} as const;

export const SERVICE_DEFAULTS = {
  cwd: '.',
  readyTimeout: 60_000,
  restart: 'no',
  stopTimeout: 5_000,
  restartOnMigrate: true,
} as const;

export const INFRA_DEFAULTS = {
  data: 'persist',
  native: true,
  readyTimeout: 60_000,
} as const;

export const MIGRATIONS_DEFAULTS = {
  tenants: ['default'] as readonly string[],
  schema: '{service}_{tenant}',
  concurrency: 4,
} as const;

/** `migrations` at the top level: how every migration runs. */
export const MIGRATION_POLICY_DEFAULTS = { lockRetries: 4 } as const;

export const DEFAULT_LINT_WARN = [
  'prefer-robust-stmts',
  'require-timeout-settings',
  'require-lock-timeout',
  'require-statement-timeout',
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-identity',
  'prefer-text-field',
  'prefer-timestamptz',
] as const;

/** `devup check`: a migration that never ends fails the check after this long, instead of hanging CI. */
export const CHECK_DEFAULTS = { statementTimeout: 300_000 } as const;

export const SCHEMA_DOCS_DEFAULTS = { dir: 'docs/database', exclude: [] as readonly string[], refresh: true } as const;
