import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { connectionPlaceholders } from '../../config/driver-urls.js';
import { expandEnv, type PlaceholderValues } from '../../config/env-placeholders.js';
import type { MigrationTool } from '../../config/schema.js';
import { servicePlaceholders } from '../../config/service-address.js';
import type { ServiceSettings } from '../../config/types.js';
import { type ConnectionInfo, connectionUrl, isLoopbackAddress } from '../../database/connection/connection.js';
import { libpqEnv, searchPathOption } from '../../database/connection/connection-env.js';
import { type SslSettings, sslUrlParams } from '../../database/connection/tls.js';
import type { TargetBase } from '../targets.js';
import type { ToolEnvContext } from './tool-adapter.js';

export interface ToolEnvInput {
  tool: MigrationTool;
  target: TargetBase;
  admin: ConnectionInfo;
  migrationsDir: string;
  dirIsExplicit: boolean;
  cwd: string;
  /** The service's directory and the project root: their virtualenvs and node_modules/.bin are searched too. */
  serviceCwd: string;
  root: string;
  /** The service's own `env` from the config (placeholders not yet expanded), and its envFile's values. */
  serviceEnv: Record<string, string>;
  serviceEnvFile: Record<string, string>;
  /** `migrations.env` (placeholders not yet expanded). */
  migrationEnv: Record<string, string>;
  baseEnv: NodeJS.ProcessEnv;
  /** Every service of the config, for `{service.NAME.url}` in either env. */
  services?: readonly ServiceSettings[];
  /** The tool's own variables (flyway, liquibase, dbmate). */
  toolEnv?: ((context: ToolEnvContext) => Record<string, string>) | undefined;
  /** lock_timeout / statement_timeout (`migrations.*`, `--lock-timeout`), passed on through PGOPTIONS. */
  timeouts?: { lockTimeoutMs?: number | undefined; statementTimeoutMs?: number | undefined } | undefined;
}

export function jdbcUrl(host: string, port: number, database: string, ssl?: SslSettings): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  // pgjdbc takes libpq's sslmode values and certificate parameters.
  const query = new URLSearchParams(sslUrlParams(ssl)).toString();
  return `jdbc:postgresql://${h}:${port}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`;
}

/**
 * The DATABASE_URL each tool reads: plain for most (Alembic's ConfigParser and asyncpg reject
 * `options`; PGOPTIONS carries the schema), with the schema parameter Prisma and dbmate read.
 */
export function toolDatabaseUrl(tool: MigrationTool, admin: ConnectionInfo, database: string, schema: string): string {
  if (tool === 'prisma') {
    // Prisma ignores search_path; its own `schema` parameter places both its tables and yours.
    const url = new URL(connectionUrl(admin, { database }));
    url.searchParams.set('schema', schema);
    prismaSsl(url, admin.ssl);
    return url.toString();
  }
  const url = new URL(connectionUrl(admin, { database }));
  if (tool === 'dbmate') {
    // dbmate puts schema_migrations in the first schema of this parameter; its driver (lib/pq)
    // also defaults to sslmode=require, which a local server without TLS refuses.
    url.searchParams.set('search_path', `${schema},public`);
    if ((isLoopbackAddress(admin.host) || admin.host === 'localhost') && !url.searchParams.has('sslmode'))
      url.searchParams.set('sslmode', 'disable');
  }
  return url.toString();
}

/**
 * Where a migration tool's program is looked for, in order: the Python virtualenvs of the tool's
 * directory, the service and the repo (`.venv/bin`, `venv/bin`: uv, poetry and `python -m venv`
 * put them there), then their node_modules/.bin, then the PATH.
 */
export function toolSearchDirs(dirs: { cwd: string; serviceCwd: string; root: string }): string[] {
  const bases = [...new Set([dirs.cwd, dirs.serviceCwd, dirs.root])];
  return [
    ...bases.flatMap((base) => [path.join(base, '.venv', 'bin'), path.join(base, 'venv', 'bin')]),
    ...bases.map((base) => path.join(base, 'node_modules', '.bin')),
  ];
}

/** The first virtualenv among the search directories, as activating it would set VIRTUAL_ENV. */
function firstVirtualenv(dirs: readonly string[]): string | undefined {
  const bin = dirs.find((dir) => path.basename(path.dirname(dir)).endsWith('venv') && existsSync(dir));
  return bin === undefined ? undefined : path.dirname(bin);
}

/** The program a PATH lookup finds, or undefined (for `--verbose` and "not found" messages). */
export function findProgram(program: string, searchPath: string, cwd: string): string | undefined {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : searchPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, program));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Prisma's engine spells TLS its own way: `sslcert` is the CA to trust, `sslaccept` says whether
 * to check it, and only disable/prefer/require exist. (A client certificate needs a PKCS#12
 * `sslidentity`, which devup cannot make from PEM files: set it in the service's env.)
 */
function prismaSsl(url: URL, ssl: SslSettings | undefined): void {
  if (!ssl || ssl.implied) return;
  for (const key of ['sslrootcert', 'sslcert', 'sslkey']) url.searchParams.delete(key);
  const verify = ssl.mode === 'verify-ca' || ssl.mode === 'verify-full';
  url.searchParams.set('sslmode', verify ? 'require' : ssl.mode);
  if (ssl.rootCert) url.searchParams.set('sslcert', ssl.rootCert);
  if (ssl.mode !== 'disable') url.searchParams.set('sslaccept', verify ? 'strict' : 'accept_invalid_certs');
}

/**
 * Layers 1 and 2 below and the PATH of layer 3: all a tool needs for commands that touch no
 * database (`alembic revision`, `dbmate new`). `serviceEnv` comes with its placeholders expanded.
 */
export function toolProcessEnv(
  input: Pick<ToolEnvInput, 'cwd' | 'serviceCwd' | 'root' | 'serviceEnv' | 'serviceEnvFile' | 'baseEnv'>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.baseEnv)) if (value !== undefined) env[key] = value;
  Object.assign(env, input.serviceEnvFile, input.serviceEnv);
  const dirs = toolSearchDirs({ cwd: input.cwd, serviceCwd: input.serviceCwd, root: input.root });
  const virtualenv = firstVirtualenv(dirs);
  env.PATH = [...dirs, ...(env.PATH ? [env.PATH] : [])].join(path.delimiter);
  if (virtualenv) env.VIRTUAL_ENV = virtualenv;
  return env;
}

/**
 * The environment a migration tool runs with. Later layers win:
 *   1. devup's own environment (the shell, with the project's .env below it)
 *   2. the service's envFile, then its `env` (placeholders expanded)
 *   3. devup's variables naming the target: DATABASE_URL (in the form this tool reads), PG*,
 *      PGOPTIONS (search_path), DEVUP_SCHEMA/TENANT/SERVICE, PATH with the tool's directories first
 *   4. the tool's own variables (Flyway, Liquibase, dbmate)
 *   5. `migrations.env` (placeholders expanded): the user's explicit mapping onto what env.py reads
 */
export function buildToolEnv(input: ToolEnvInput): Record<string, string> {
  const { admin, target } = input;
  const database = target.database ?? admin.database;
  const values: PlaceholderValues = {
    ...servicePlaceholders(input.services ?? []),
    ...connectionPlaceholders({
      url: connectionUrl(admin, { database }),
      host: admin.host,
      port: String(admin.port),
      user: admin.user,
      password: admin.password,
      database,
    }),
    schema: target.schema,
    tenant: target.tenant,
    service: target.service,
  };
  const env = toolProcessEnv({ ...input, serviceEnv: expandEnv(input.serviceEnv, values) });
  Object.assign(env, {
    DATABASE_URL: toolDatabaseUrl(input.tool, admin, database, target.schema),
    DEVUP_SCHEMA: target.schema,
    DEVUP_TENANT: target.tenant,
    DEVUP_SERVICE: target.service,
    ...libpqEnv(admin, database),
    // psycopg, psql and node-postgres then start in the target's schema.
    PGOPTIONS: searchPathOption(target.schema),
  });
  // libpq-based tools (psql, psycopg2; not dbmate's lib/pq nor JDBC) then run under the same timeouts.
  const { lockTimeoutMs, statementTimeoutMs } = input.timeouts ?? {};
  const settings = [
    ...(lockTimeoutMs ? [`-c lock_timeout=${lockTimeoutMs}`] : []),
    ...(statementTimeoutMs ? [`-c statement_timeout=${statementTimeoutMs}`] : []),
  ];
  if (settings.length > 0) env.PGOPTIONS = [env.PGOPTIONS, ...settings].filter(Boolean).join(' ');
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
        ssl: admin.ssl,
        migrationsDir: input.migrationsDir,
        dirIsExplicit: input.dirIsExplicit,
      }),
    );
  }
  Object.assign(env, expandEnv(input.migrationEnv, values));
  return env;
}

/** The forms a password can take in a tool's output: plain, as a URL holds it, percent-encoded. */
export function secretsOf(password: string): string[] {
  const url = new URL('postgresql://localhost');
  url.password = password;
  return [...new Set([password, url.password, encodeURIComponent(password)])].filter((s) => s.length > 0);
}
