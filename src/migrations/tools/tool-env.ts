import path from 'node:path';
import type { MigrationTool } from '../../config/schema.js';
import { type ConnectionInfo, connectionUrl, isLoopbackHost } from '../../database/connection.js';
import type { TargetBase } from '../targets.js';
import type { ToolEnvContext } from './tool-adapter.js';

export interface ToolEnvInput {
  tool: MigrationTool;
  target: TargetBase;
  admin: ConnectionInfo;
  migrationsDir: string;
  dirIsExplicit: boolean;
  cwd: string;
  /** The project root: its node_modules/.bin is searched after the service's. */
  root: string;
  /** The service's own `env` from the config. */
  serviceEnv: Record<string, string>;
  baseEnv: NodeJS.ProcessEnv;
  /** The tool's own variables (flyway, liquibase, dbmate). */
  toolEnv?: ((context: ToolEnvContext) => Record<string, string>) | undefined;
}

export function jdbcUrl(host: string, port: number, database: string): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `jdbc:postgresql://${h}:${port}/${encodeURIComponent(database)}`;
}

/** The DATABASE_URL each tool reads, pointed at the target's schema the way that tool expects. */
export function toolDatabaseUrl(tool: MigrationTool, admin: ConnectionInfo, database: string, schema: string): string {
  if (tool === 'prisma') {
    // Prisma ignores search_path; its own `schema` parameter places both its tables and yours.
    const url = new URL(connectionUrl(admin, { database }));
    url.searchParams.set('schema', schema);
    return url.toString();
  }
  const url = new URL(connectionUrl(admin, { database, searchPath: [schema, 'public'] }));
  if (tool === 'dbmate') {
    // dbmate puts schema_migrations in the first schema of this parameter; its driver (lib/pq)
    // also defaults to sslmode=require, which a local server without TLS refuses.
    url.searchParams.set('search_path', `${schema},public`);
    if (isLoopbackHost(admin.host)) url.searchParams.set('sslmode', 'disable');
  }
  return url.toString();
}

/** Puts the service's and the project's node_modules/.bin first, so locally installed tools win. */
export function toolPath(cwd: string, root: string, basePath: string | undefined): string {
  const bins = [...new Set([path.join(cwd, 'node_modules', '.bin'), path.join(root, 'node_modules', '.bin')])];
  return [...bins, ...(basePath ? [basePath] : [])].join(path.delimiter);
}

/**
 * The user's environment, the service's `env`, and the PATH that finds locally installed tools:
 * all a tool needs for commands that touch no database (`alembic revision`, `dbmate new`).
 */
export function toolProcessEnv(
  input: Pick<ToolEnvInput, 'cwd' | 'root' | 'serviceEnv' | 'baseEnv'>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.baseEnv)) if (value !== undefined) env[key] = value;
  Object.assign(env, input.serviceEnv);
  env.PATH = toolPath(input.cwd, input.root, env.PATH);
  return env;
}

/**
 * The environment a migration tool runs with: the user's, the service's, then devup's own
 * variables naming the target (which win: they decide where the tool writes).
 */
export function buildToolEnv(input: ToolEnvInput): Record<string, string> {
  const { admin, target } = input;
  const database = target.database ?? admin.database;
  const env = toolProcessEnv(input);
  Object.assign(env, {
    DATABASE_URL: toolDatabaseUrl(input.tool, admin, database, target.schema),
    DEVUP_SCHEMA: target.schema,
    DEVUP_TENANT: target.tenant,
    DEVUP_SERVICE: target.service,
    PGHOST: admin.host,
    PGPORT: String(admin.port),
    PGUSER: admin.user,
    PGPASSWORD: admin.password,
    PGDATABASE: database,
    // psql and other libpq clients in a `command` then also start in the target's schema.
    PGOPTIONS: `-c search_path=${target.schema},public`,
  });
  if (input.toolEnv) {
    Object.assign(
      env,
      input.toolEnv({
        schema: target.schema,
        host: admin.host,
        port: admin.port,
        user: admin.user,
        password: admin.password,
        database,
        migrationsDir: input.migrationsDir,
        dirIsExplicit: input.dirIsExplicit,
      }),
    );
  }
  return env;
}

/** The forms a password can take in a tool's output: plain, as a URL holds it, percent-encoded. */
export function secretsOf(password: string): string[] {
  const url = new URL('postgresql://localhost');
  url.password = password;
  return [...new Set([password, url.password, encodeURIComponent(password)])].filter((s) => s.length > 0);
}
