// auth: users per tenant. devup migrates one schema per tenant and tells us which is which in
// DEVUP_TENANT_SCHEMAS, so every query names its schema explicitly instead of relying on the
// search_path in DATABASE_URL (that one only covers the first tenant).
import http from 'node:http';
import pg from 'pg';

const SERVICE = 'auth';
const PORT = Number(process.env.PORT ?? 4001);
const LEVELS = ['debug', 'info', 'warn', 'error'];
const minLevel = Math.max(0, LEVELS.indexOf(process.env.LOG_LEVEL ?? 'info'));

/** @type {Record<string, string>} tenant -> schema; falls back so the file also runs without devup. */
const tenantSchemas = process.env.DEVUP_TENANT_SCHEMAS
  ? JSON.parse(process.env.DEVUP_TENANT_SCHEMAS)
  : { default: process.env.DEVUP_SCHEMA ?? 'auth_default' };

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

const table = (schema, name) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function health(res) {
  // Ready means every tenant's tables answer, not merely that the port is open.
  try {
    for (const schema of Object.values(tenantSchemas)) {
      await pool.query(`select count(*) from ${table(schema, 'users')}`);
    }
    send(res, 200, { status: 'ok' });
  } catch (error) {
    send(res, 503, { status: 'unavailable', error: error.message });
  }
}

async function listUsers(res, tenant) {
  // Own-property check: a tenant called "constructor" must not reach Object.prototype.
  if (!Object.hasOwn(tenantSchemas, tenant)) return send(res, 404, { error: `unknown tenant "${tenant}"` });
  const { rows } = await pool.query(
    `select id, email, display_name, role, created_at from ${table(tenantSchemas[tenant], 'users')} order by id`,
  );
  send(res, 200, rows);
}

const server = http.createServer(async (req, res) => {
  const started = performance.now();
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  res.on('finish', () => {
    log('info', `${req.method} ${pathname} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
  });
  try {
    const usersRoute = pathname.match(/^\/tenants\/([^/]+)\/users$/);
    if (req.method !== 'GET') send(res, 405, { error: 'method not allowed' });
    else if (pathname === '/health') await health(res);
    else if (usersRoute) await listUsers(res, usersRoute[1]);
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
