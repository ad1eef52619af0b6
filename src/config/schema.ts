import { z } from 'zod';

/** External migration tools devup knows how to drive (issue: "external tools"). */
export const MIGRATION_TOOLS = [
  'alembic',
  'liquibase',
  'flyway',
  'prisma',
  'dbmate',
  'node-pg-migrate',
  'command',
] as const;
export type MigrationTool = (typeof MIGRATION_TOOLS)[number];

export const ENGINES = ['auto', 'docker', 'embedded', 'external'] as const;
export type EngineName = (typeof ENGINES)[number];

const command = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const port = z.number().int().min(1).max(65535);
const durationMs = z.number().int().positive();

const databaseSchema = z.strictObject({
  engine: z.enum(ENGINES).optional(),
  image: z.string().min(1).optional(),
  port: port.optional(),
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
  bind: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  readyTimeout: durationMs.optional(),
});

const tenantsSchema = z.union([
  z.array(z.string().min(1)).min(1),
  z.strictObject({ query: z.string().min(1) }),
  z.strictObject({ command }),
]);

const migrationsSchema = z.strictObject({
  dir: z.string().min(1).optional(),
  tool: z.enum(MIGRATION_TOOLS).optional(),
  command: command.optional(),
  cwd: z.string().min(1).optional(),
  tenants: tenantsSchema.optional(),
  schema: z.string().min(1).optional(),
});

const readySchema = z.strictObject({
  http: z.string().min(1).optional(),
  tcp: port.optional(),
  log: z.string().min(1).optional(),
  timeout: durationMs.optional(),
});

const serviceSchema = z.strictObject({
  cwd: z.string().min(1).optional(),
  command: command.optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  envFile: z.string().min(1).optional(),
  port: port.optional(),
  dependsOn: z.array(z.string().min(1)).optional(),
  ready: readySchema.optional(),
  restart: z.enum(['no', 'on-failure']).optional(),
  stopTimeout: durationMs.optional(),
  database: z.string().min(1).optional(),
  migrations: migrationsSchema.optional(),
  seed: z.union([z.string().min(1), z.strictObject({ command })]).optional(),
});

/** `schema`: where `devup schema` writes each service's snapshot and docs, and when. */
export const SCHEMA_DOCS_DEFAULTS = { dir: 'docs/database', exclude: [] as string[], refresh: true };

const schemaDocsSchema = z.strictObject({
  dir: z.string().min(1).default(SCHEMA_DOCS_DEFAULTS.dir),
  exclude: z.array(z.string().min(1)).default(SCHEMA_DOCS_DEFAULTS.exclude),
  refresh: z.boolean().default(SCHEMA_DOCS_DEFAULTS.refresh),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  project: z.string().min(1).optional(),
  requiredEnv: z.array(z.string().min(1)).optional(),
  onServiceExit: z.enum(['keep-running', 'stop-all']).optional(),
  database: databaseSchema.optional(),
  schema: schemaDocsSchema.optional(),
  services: z.record(z.string(), serviceSchema),
});

/** What a user writes in devup.config.*: everything but `services` is optional. */
export type DevupConfigInput = z.input<typeof configSchema>;
export type ServiceInput = z.input<typeof serviceSchema>;
export type TenantsInput = z.input<typeof tenantsSchema>;
export type CommandInput = z.input<typeof command>;
