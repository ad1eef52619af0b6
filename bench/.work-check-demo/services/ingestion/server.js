// ingestion: data sources and the jobs that pull from them, in one schema (ingestion_default).
// The search_path in DATABASE_URL points at it, so queries use plain table names, exactly as
// the migrations do.
import { createLogger, createPool, serve } from '../../shared/service-kit.js';

const log = createLogger('ingestion');
const pool = createPool(log);

async function listSources() {
  // The lateral join reads each source's newest job straight off the
  // (source_id, started_at desc) index instead of sorting all job history.
  const { rows } = await pool.query(`
    select s.name, s.kind, s.uri, s.schedule,
           j.status as latest_job_status, j.started_at as latest_job_started_at, j.rows_ingested as latest_job_rows
    from sources s
    left join lateral (
      select status, started_at, rows_ingested
      from ingestion_jobs
      where source_id = s.id
      order by started_at desc
      limit 1
    ) j on true
    order by s.name`);
  return [200, rows];
}

serve({
  port: Number(process.env.PORT ?? 4003),
  pool,
  log,
  healthQuery: () => pool.query('select count(*) from sources'),
  routes: [[/^\/sources$/, listSources]],
});
