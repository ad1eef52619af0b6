import type { SqlTarget } from '../../../src/migrations/sql/apply.js';
import { discoverMigrations } from '../../../src/migrations/sql/discover.js';

/** A target of devup's own SQL engine: the migrations in `dir`, applied to `schema` in the main database. */
export function sqlTarget(dir: string, schema: string, names: { service?: string; tenant?: string } = {}): SqlTarget {
  return {
    service: names.service ?? 'svc',
    tenant: names.tenant ?? 'default',
    schema,
    database: undefined,
    migrations: discoverMigrations(dir),
  };
}
