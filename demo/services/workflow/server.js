// workflow: workflow definitions and their steps, in one schema (workflow_default). The
// search_path in DATABASE_URL points at it, so queries use plain table names, exactly as
// the migrations do.
import { createLogger, createPool, serve } from '../../shared/service-kit.js';

const log = createLogger('workflow');
const pool = createPool(log);

async function listWorkflows() {
  // Archived workflows keep their history but no longer show up in the product.
  const { rows } = await pool.query(`
    select w.slug, w.name, w.description, count(s.id) as step_count
    from workflows w
    left join workflow_steps s on s.workflow_id = w.id
    where w.archived_at is null
    group by w.id
    order by w.name`);
  return [200, rows];
}

// devup tells each service where the ones it depends on answer (DEVUP_URL_<SERVICE>): in a second
// checkout, auth listens on another port, and this call follows it.
const authUrl = process.env.DEVUP_URL_AUTH ?? 'http://127.0.0.1:4001';

/** A tenant's workflows beside its users, which auth owns: the one call between the demo's services. */
async function tenantOverview([, tenant]) {
  const response = await fetch(`${authUrl}/tenants/${encodeURIComponent(tenant)}/users`);
  if (response.status === 404) return [404, { error: `unknown tenant "${tenant}"` }];
  if (!response.ok) return [502, { error: `auth answered ${response.status}` }];
  const users = await response.json();
  const [, workflows] = await listWorkflows();
  return [200, { tenant, users: users.length, workflows: workflows.length }];
}

serve({
  port: Number(process.env.PORT ?? 4002),
  pool,
  log,
  healthQuery: () => pool.query('select count(*) from workflows'),
  routes: [
    [/^\/workflows$/, listWorkflows],
    [/^\/tenants\/([^/]+)\/overview$/, tenantOverview],
  ],
});
