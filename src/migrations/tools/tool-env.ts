import path from 'node:path';
import type { MigrationTool } from '../../config/schema.js';
import { type ConnectionInfo, connectionUrl, isLoopbackHost } from '../../database/connection.js';
import { type SslSettings, sslEnv, sslUrlParams } from '../../database/tls.js';
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
  /** lock_timeout / statement_timeout (`migrations.*`, `--lock-timeout`), passed on through PGOPTIONS. */
  timeouts?: { lockTimeoutMs?: number | undefined; statementTimeoutMs?: number | undefined } | undefined;
}

export function jdbcUrl(host: string, port: number, database: string, ssl?: SslSettings): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  // pgjdbc takes libpq's sslmode values and certificate parameters.
  const query = new URLSearchParams(sslUrlParams(ssl)).toString();
  return `jdbc:postgresql://${h}:${port}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`;
}

/** The DATABASE_URL each tool reads, pointed at the target's schema the way that tool expects. */
export function toolDatabaseUrl(tool: MigrationTool, admin: ConnectionInfo, database: string, schema: string): string {
  if (tool === 'prisma') {
    // Prisma ignores search_path; its own `schema` parameter places both its tables and yours.
    const url = new URL(connectionUrl(admin, { database }));
    url.searchParams.set('schema', schema);
    prismaSsl(url, admin.ssl);
    return url.toString();
  }
  const url = new URL(connectionUrl(admin, { database, searchPath: [schema, 'public'] }));
  if (tool === 'dbmate') {
    // dbmate puts schema_migrations in the first schema of this parameter; its driver (lib/pq)
    // also defaults to sslmode=require, which a local server without TLS refuses.
    url.searchParams.set('search_path', `${schema},public`);
    if (isLoopbackHost(admin.host) && !url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  }
  return url.toString();
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

/** Puts the service's and the project's node_modules/.bin first, so locally installed tools win. */
export function toolPath(cwd: string, root: string, basePath: string | undefined): string {
  const bins = [...new Set([path.join(cwd, 'node_modules', '.bin'), path.join(root, 'node_modules', '.bin')])];
  return [...bins, ...(basePath ? [basePath] : [])].join(path.delimiter);
}

/**
 * The environment a migration tool runs with: the user's, the service's, then devup's own
 * variables naming the target (which win: they decide where the tool writes).
 */
export function buildToolEnv(input: ToolEnvInput): Record<string, string> {
  const { admin, target } = input;
  const database = target.database ?? admin.database;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.baseEnv)) if (value !== undefined) env[key] = value;
  Object.assign(env, input.serviceEnv);
  Object.assign(env, {
    PATH: toolPath(input.cwd, input.root, env.PATH),
    DATABASE_URL: toolDatabaseUrl(input.tool, admin, database, target.schema),
    DEVUP_SCHEMA: target.schema,
    DEVUP_TENANT: target.tenant,
    DEVUP_SERVICE: target.service,
    PGHOST: admin.host,
    PGPORT: String(admin.port),
    PGUSER: admin.user,
    PGPASSWORD: admin.password,
    PGDATABASE: database,
    ...sslEnv(admin.ssl),
    // psql and other libpq clients in a `command` then also start in the target's schema.
    PGOPTIONS: `-c search_path=${target.schema},public`,
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
  return env;
}

/** The forms a password can take in a tool's output: plain, as a URL holds it, percent-encoded. */
export function secretsOf(password: string): string[] {
  const url = new URL('postgresql://localhost');
  url.password = password;
  return [...new Set([password, url.password, encodeURIComponent(password)])].filter((s) => s.length > 0);
}
