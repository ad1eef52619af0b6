// What every demo service shares: logging, a pg pool, JSON routing, and a clean SIGTERM.
// Real teams keep this in a shared package; the services stay tiny and differ only in their SQL.
import http from 'node:http';
import pg from 'pg';

const LEVELS = ['debug', 'info', 'warn', 'error'];

// pg returns bigint (ids, counts) as strings; ours stay far below 2^53, so numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

export function createLogger(service) {
  const minLevel = Math.max(0, LEVELS.indexOf(process.env.LOG_LEVEL ?? 'info'));
  return (level, message) => {
    if (LEVELS.indexOf(level) < minLevel) return;
    (level === 'error' ? console.error : console.log)(`${service} ${message}`);
  };
}

export function createPool(log) {
  // A short connect timeout keeps /health answering 503 quickly while Postgres is still starting.
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 5, connectionTimeoutMillis: 2000 });
  // Without a listener, an idle client losing its connection (e.g. `devup reset`) would crash us.
  pool.on('error', (error) => log('warn', `idle database connection lost: ${error.message}`));
  return pool;
}

export const quoteTable = (schema, name) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;

/**
 * Serves GET routes as JSON. `routes` is a list of [pattern, handler]; a handler gets the regex
 * match and returns [status, body]. `/health` answers 200 only once `healthQuery` succeeds:
 * ready means our own tables answer (migrations ran, search_path is right), not an open port.
 */
export function serve({ port, pool, log, healthQuery, routes }) {
  const handle = async (pathname) => {
    if (pathname === '/health') {
      try {
        await healthQuery();
        return [200, { status: 'ok' }];
      } catch (error) {
        return [503, { status: 'unavailable', error: error.message }];
      }
    }
    for (const [pattern, handler] of routes) {
      const match = pathname.match(pattern);
      if (match) return handler(match);
    }
    return [404, { error: 'not found' }];
  };

  const server = http.createServer(async (req, res) => {
    const started = performance.now();
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    res.on('finish', () => {
      log('info', `${req.method} ${pathname} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
    });
    let status = 500;
    let body = { error: 'internal error' };
    try {
      [status, body] = req.method === 'GET' ? await handle(pathname) : [405, { error: 'method not allowed' }];
    } catch (error) {
      log('error', `${req.method} ${pathname} failed: ${error.stack ?? error}`);
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });

  // A taken port is the usual first-run problem: say so in one line rather than a stack trace.
  server.on('error', (error) => {
    log('error', `cannot listen on 127.0.0.1:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => log('info', `listening on http://127.0.0.1:${port}`));

  // devup sends SIGTERM on shutdown and waits only so long: stop accepting, drop keep-alive
  // sockets, close the pool, and let the event loop empty so the process exits on its own.
  const shutdown = (signal) => {
    log('info', `${signal} received, shutting down`);
    server.close();
    server.closeAllConnections();
    pool.end().catch((error) => log('warn', `closing the pool: ${error.message}`));
    // Last resort if something still holds the loop open; unref'd so it never delays a clean exit.
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
