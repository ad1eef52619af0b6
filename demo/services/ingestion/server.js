// ingestion: data sources and the jobs that pull from them, in one schema (ingestion_default).
// The search_path in DATABASE_URL points at it, so queries use plain table names, exactly as
// the migrations do.
import http from 'node:http';
import pg from 'pg';

const SERVICE = 'ingestion';
const PORT = Number(process.env.PORT ?? 4003);
const LEVELS = ['debug', 'info', 'warn', 'error'];
const minLevel = Math.max(0, LEVELS.indexOf(process.env.LOG_LEVEL ?? 'info'));

function log(level, message) {
  if (LEVELS.indexOf(level) < minLevel) return;
  (level === 'error' ? console.error : console.log)(`${SERVICE} ${message}`);
}

// pg returns bigint (ids, counts) as strings; ours stay far below 2^53, so numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

// A short connect timeout keeps /health answering 503 quickly while Postgres is still starting.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 5, connectionTimeoutMillis: 2000 });
// Without a listener, an idle client losing its connection (e.g. `devup reset`) would crash us.
pool.on('error', (error) => log('warn', `idle database connection lost: ${error.message}`));

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function health(res) {
  // Ready means our tables answer (migrations ran, search_path is right), not merely an open port.
  try {
    await pool.query('select count(*) from sources');
    send(res, 200, { status: 'ok' });
  } catch (error) {
    send(res, 503, { status: 'unavailable', error: error.message });
  }
}

async function listSources(res) {
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
  send(res, 200, rows);
}

const server = http.createServer(async (req, res) => {
  const started = performance.now();
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  res.on('finish', () => {
    log('info', `${req.method} ${pathname} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
  });
  try {
    if (req.method !== 'GET') send(res, 405, { error: 'method not allowed' });
    else if (pathname === '/health') await health(res);
    else if (pathname === '/sources') await listSources(res);
    else send(res, 404, { error: 'not found' });
  } catch (error) {
    log('error', `${req.method} ${pathname} failed: ${error.stack ?? error}`);
    if (!res.headersSent) send(res, 500, { error: 'internal error' });
  }
});

// A taken port is the usual first-run problem: say so in one line rather than a stack trace.
server.on('error', (error) => {
  log('error', `cannot listen on 127.0.0.1:${PORT}: ${error.message}`);
  process.exit(1);
});
server.listen(PORT, '127.0.0.1', () => log('info', `listening on http://127.0.0.1:${PORT}`));

// devup sends SIGTERM on shutdown and waits only so long: stop accepting, drop keep-alive
// sockets, close the pool, and let the event loop empty so the process exits on its own.
function shutdown(signal) {
  log('info', `${signal} received, shutting down`);
  server.close();
  server.closeAllConnections();
  pool.end().catch((error) => log('warn', `closing the pool: ${error.message}`));
  // Last resort if something still holds the loop open; unref'd so it never delays a clean exit.
  setTimeout(() => process.exit(1), 5000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
