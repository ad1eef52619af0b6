import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerGet, answerPost, type DashboardParts } from './api-routes.js';
import { type EventStream, formatEvent, type StreamEvent } from './event-stream.js';
import { readJsonBody, sendAsset, sendError, sendJson, webDir } from './http-helpers.js';
import { guardRequest, sessionCookie } from './request-guard.js';

/** The page's client-side routes: each serves the one page. */
const PAGE_PATHS = /^\/(resources|logs|database|schema|activity)?$/;

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

/** `/api/events`: what a reconnecting page missed (Last-Event-ID), or a fresh snapshot; then every event. */
function openStream(
  stream: EventStream,
  snapshot: () => unknown,
  req: IncomingMessage,
  res: ServerResponse,
  open: Set<ServerResponse>,
) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  open.add(res);
  const send = (event: StreamEvent) => res.write(formatEvent(event));
  const header = req.headers['last-event-id'];
  const missed = header === undefined ? undefined : stream.resume(Number(header));
  // Subscribed before replaying: nothing published in between is lost (ids tell duplicates apart).
  const unsubscribe = stream.subscribe(send);
  if (missed) for (const event of missed) send(event);
  else send({ id: stream.lastId, type: 'snapshot', data: snapshot() });
  req.on('close', () => {
    unsubscribe();
    open.delete(res);
  });
}

/** Serves the dashboard on 127.0.0.1: the preferred port when free, else one the system picks. */
export async function serveDashboard(parts: DashboardParts, preferredPort: number): Promise<RunningDashboard> {
  const { model } = parts;
  const token = randomBytes(24).toString('base64url');
  const dir = webDir();
  const streams = new Set<ServerResponse>();
  let port = 0;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Browsers ask for it unprompted; there is none.
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    const refusal = guardRequest(req, port, token, url.searchParams.get('token'));
    if (refusal) return sendJson(res, refusal.status, { error: refusal.reason });
    if (url.searchParams.has('token')) {
      // The token moves into the cookie and out of the address bar (and out of the history).
      return void res.writeHead(303, { location: url.pathname, 'set-cookie': sessionCookie(token) }).end();
    }
    if (req.method === 'POST') {
      if (model.readOnly) return sendJson(res, 403, { error: 'the dashboard is read-only (--ui-read-only)' });
      return sendJson(res, 200, await answerPost(parts, url.pathname, await readJsonBody(req)));
    }
    if (url.pathname === '/api/events') return openStream(model.stream, () => model.snapshot(), req, res, streams);
    if (url.pathname.startsWith('/api/')) return sendJson(res, 200, await answerGet(parts, url));
    sendAsset(res, dir, PAGE_PATHS.test(url.pathname) ? 'index.html' : url.pathname.replace(/^\/assets\//, ''));
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, error);
      else res.end();
    });
  });
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
      for (const res of streams) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // An open page's keep-alive connections would hold close() until the browser lets go.
      server.closeAllConnections();
      await closed;
    },
  };
}
