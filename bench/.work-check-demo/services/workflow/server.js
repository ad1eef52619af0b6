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

serve({
  port: Number(process.env.PORT ?? 4002),
  pool,
  log,
  healthQuery: () => pool.query('select count(*) from workflows'),
  routes: [[/^\/workflows$/, listWorkflows]],
});
