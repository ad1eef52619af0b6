// Defaults that normalising needs too. Kept apart from the zod schema: a config that passed
// validation before skips zod (see validate() in load.ts), and then zod is not even loaded.

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

export const SCHEMA_DOCS_DEFAULTS = { dir: 'docs/database', exclude: [] as string[], refresh: true };
