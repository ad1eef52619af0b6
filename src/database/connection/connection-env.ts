import type { ServiceSettings } from '../../config/types.js';
import { type ConnectionInfo, connectionUrl } from './connection.js';
import { sslEnv } from './tls.js';

/** `-c search_path=…` for PGOPTIONS: libpq (psql, psycopg) and node-postgres apply it at connect. */
export function searchPathOption(schema: string): string {
  return `-c search_path=${schema},public`;
}

/** The PG* variables (and TLS ones) with which libpq-based programs (psql, psycopg) reach `database` as `admin`. */
export function libpqEnv(admin: ConnectionInfo, database: string): Record<string, string> {
  return {
    PGHOST: admin.host,
    PGPORT: String(admin.port),
    PGUSER: admin.user,
    PGPASSWORD: admin.password,
    PGDATABASE: database,
    ...sslEnv(admin.ssl),
  };
}

/**
 * The variables a service or tool gets to reach its database. DATABASE_URL is a plain
 * postgresql://user:pass@host:port/db, which every driver and ConfigParser-based tool (Alembic)
 * accepts; the first tenant's schema travels in PGOPTIONS and DEVUP_SCHEMA instead of the URL.
 * DEVUP_DATABASE_URL_SEARCH_PATH keeps the `?options=-c search_path=…` form for those who want it.
 */
export function connectionEnv(
  admin: ConnectionInfo,
  service: ServiceSettings,
  schemas: { tenant: string; schema: string }[],
): Record<string, string> {
  const database = service.database ?? admin.database;
  const first = schemas[0];
  const env: Record<string, string> = {
    DATABASE_URL: connectionUrl(admin, { database }),
    ...libpqEnv(admin, database),
    DEVUP_SERVICE: service.name,
  };
  if (first) {
    env.PGOPTIONS = searchPathOption(first.schema);
    env.DEVUP_SCHEMA = first.schema;
    env.DEVUP_TENANT = first.tenant;
    env.DEVUP_DATABASE_URL_SEARCH_PATH = connectionUrl(admin, { database, searchPath: [first.schema, 'public'] });
    env.DEVUP_TENANT_SCHEMAS = JSON.stringify(Object.fromEntries(schemas.map((s) => [s.tenant, s.schema])));
    // One URL per tenant, its schema first on the search_path, for apps that keep a pool per tenant.
    env.DEVUP_TENANT_DATABASE_URLS = JSON.stringify(
      Object.fromEntries(
        schemas.map((s) => [s.tenant, connectionUrl(admin, { database, searchPath: [s.schema, 'public'] })]),
      ),
    );
  }
  return env;
}
