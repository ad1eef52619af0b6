import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../errors.js';
import type { DashboardModel } from './dashboard-model.js';
import type { DatabaseActions } from './database-actions.js';
import { formatEvent, type StreamEvent } from './event-stream.js';
import { readJsonBody, sendAsset, sendError, sendJson, webDir } from './http-helpers.js';
import { guardRequest, sessionCookie } from './request-guard.js';
import type { ResourceAction } from './resource-state.js';
import type { SnapshotActions } from './snapshot-actions.js';

const ACTIONS: readonly ResourceAction[] = ['start', 'stop', 'restart'];

export interface RunningDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // Loopback only: the dashboard can stop services and drop schemas.
    server.listen(port, '127.0.0.1');
  });
}

/** Serves the dashboard on 127.0.0.1: the preferred port when free, else one the system picks. */
export async function serveDashboard(
  model: DashboardModel,
  database: DatabaseActions,
  snapshots: SnapshotActions,
  preferredPort: number,
): Promise<RunningDashboard> {
  const token = randomBytes(24).toString('base64url');
  const dir = webDir();
  const sockets = new Set<ServerResponse>();
  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, error);
      else res.end();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Browsers ask for it unprompted; there is none.
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    const refusal = guardRequest(req, port, token, url.searchParams.get('token'));
    if (refusal) return sendJson(res, refusal.status, { error: refusal.reason });
    if (url.searchParams.has('token')) {
      // The token moves into the cookie and out of the address bar (and out of the history).
      res.writeHead(303, { location: url.pathname, 'set-cookie': sessionCookie(token) }).end();
      return;
    }
    if (req.method === 'POST') {
      if (model.readOnly) return sendJson(res, 403, { error: 'the dashboard is read-only (--ui-read-only)' });
      return sendJson(res, 200, await post(url.pathname, await readJsonBody(req)));
    }
    if (url.pathname === '/api/events') return openStream(req, res);
    if (url.pathname.startsWith('/api/')) return sendJson(res, 200, await get(url));
    const name = url.pathname === '/' ? 'index.html' : url.pathname.replace(/^\/assets\//, '');
    sendAsset(res, dir, /^\/(resources|logs|database|schema|activity)?$/.test(url.pathname) ? 'index.html' : name);
  }

  async function get(url: URL): Promise<unknown> {
    const list = (key: string) => (url.searchParams.get(key) ?? '').split(',').filter(Boolean);
    switch (url.pathname) {
      case '/api/state':
        return model.snapshot();
      case '/api/env':
        return model.environment(url.searchParams.get('resource') ?? '');
      case '/api/logs':
        return model.logs.lines(list('resources'));
      case '/api/database':
        return { cells: await database.matrix() };
      case '/api/database/connection':
        return database.connection(url.searchParams.get('schema') ?? '', url.searchParams.get('reveal') === '1');
      case '/api/database/pending-sql':
        return database.pendingSql(list('services'));
      case '/api/database/reset-plan':
        return database.resetPlan(list('services'));
      case '/api/snapshots':
        return snapshots.list();
      case '/api/schema':
        return database.schema();
      case '/api/activity':
        return database.activity();
      default:
        throw new UserError(`no such endpoint: ${url.pathname}`);
    }
  }

  async function post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const services = Array.isArray(body.services) ? body.services.map(String) : [];
    switch (path) {
      case '/api/action': {
        const action = String(body.action) as ResourceAction;
        if (!ACTIONS.includes(action)) throw new UserError(`unknown action ${String(body.action)}`);
        await model.act(String(body.resource), action);
        return { ok: true };
      }
      case '/api/database/apply':
        await database.apply(services);
        model.databaseChanged();
        return { ok: true };
      case '/api/database/reset': {
        const dropped = await database.reset(services);
        model.databaseChanged();
        return { ok: true, dropped };
      }
      case '/api/snapshots/save':
        return { ok: true, ...(await snapshots.save(String(body.name ?? ''))) };
      case '/api/snapshots/restore': {
        const restored = await snapshots.restore(String(body.name ?? ''), database.runner());
        model.databaseChanged();
        return { ok: true, ...restored };
      }
      case '/api/activity/cancel':
        return { cancelled: await database.cancel(Number(body.pid)) };
      case '/api/snapshots/remove':
        await snapshots.remove(String(body.name ?? ''));
        return { ok: true };
      default:
        throw new UserError(`no such action: ${path}`);
    }
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    sockets.add(res);
    const send = (event: StreamEvent) => res.write(formatEvent(event));
    const lastId = Number(req.headers['last-event-id']);
    const missed = req.headers['last-event-id'] === undefined ? undefined : model.stream.resume(lastId);
    // Subscribe before replaying: nothing published in between is lost (ids tell duplicates apart).
    const unsubscribe = model.stream.subscribe(send);
    if (missed) for (const event of missed) send(event);
    else send({ id: model.stream.lastId, type: 'snapshot', data: model.snapshot() });
    req.on('close', () => {
      unsubscribe();
      sockets.delete(res);
    });
  }

  try {
    port = await listen(server, preferredPort);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    port = await listen(server, 0);
  }
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    async close() {
      for (const res of sockets) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // An open page's keep-alive connections would hold close() until the browser lets go.
      server.closeAllConnections();
      await closed;
    },
  };
}
