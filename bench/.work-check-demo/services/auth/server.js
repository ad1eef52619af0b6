// auth: users per tenant. devup migrates one schema per tenant and tells us which is which in
// DEVUP_TENANT_SCHEMAS, so every query names its schema explicitly instead of relying on the
// search_path in DATABASE_URL (that one only covers the first tenant).
import { createLogger, createPool, quoteTable, serve } from '../../shared/service-kit.js';

const log = createLogger('auth');
const pool = createPool(log);

/** @type {Record<string, string>} tenant -> schema; falls back so the file also runs without devup. */
const tenantSchemas = process.env.DEVUP_TENANT_SCHEMAS
  ? JSON.parse(process.env.DEVUP_TENANT_SCHEMAS)
  : { default: process.env.DEVUP_SCHEMA ?? 'auth_default' };

async function listUsers([, tenant]) {
  // Own-property check: a tenant called "constructor" must not reach Object.prototype.
  if (!Object.hasOwn(tenantSchemas, tenant)) return [404, { error: `unknown tenant "${tenant}"` }];
  const { rows } = await pool.query(
    `select id, email, display_name, role, created_at from ${quoteTable(tenantSchemas[tenant], 'users')} order by id`,
  );
  return [200, rows];
}

serve({
  port: Number(process.env.PORT ?? 4001),
  pool,
  log,
  // Every tenant's tables must answer.
  healthQuery: async () => {
    for (const schema of Object.values(tenantSchemas))
      await pool.query(`select count(*) from ${quoteTable(schema, 'users')}`);
  },
  routes: [[/^\/tenants\/([^/]+)\/users$/, listUsers]],
});
