import type { ServiceSettings } from '../config/types.js';
import { type ConnectionInfo, connectionUrl } from './connection.js';
import { sslEnv } from './tls.js';

/**
 * The variables a service or tool gets to reach its database: DATABASE_URL (with its first
 * schema on the search_path), the libpq PG* variables, and devup's own DEVUP_* names.
 */
export function connectionEnv(
  admin: ConnectionInfo,
  service: ServiceSettings,
  schemas: { tenant: string; schema: string }[],
): Record<string, string> {
  const database = service.database ?? admin.database;
  const first = schemas[0]?.schema;
  const env: Record<string, string> = {
    DATABASE_URL: connectionUrl(admin, { database, ...(first ? { searchPath: [first, 'public'] } : {}) }),
    PGHOST: admin.host,
    PGPORT: String(admin.port),
    PGUSER: admin.user,
    PGPASSWORD: admin.password,
    PGDATABASE: database,
    ...sslEnv(admin.ssl),
    DEVUP_SERVICE: service.name,
  };
  if (first) {
    env.DEVUP_SCHEMA = first;
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
