import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, UserError } from '../errors.js';

const MAX_BODY = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const status = error instanceof UserError ? 400 : 500;
  const hint = error instanceof UserError ? error.hint : undefined;
  sendJson(res, status, { error: errorMessage(error), hint: hint ?? null });
}

/** An action's JSON body; refuses anything else, so a plain HTML form cannot post one. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new UserError('actions are JSON (content-type: application/json)');
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new UserError('request body too large');
    chunks.push(chunk as Buffer);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UserError('body: a JSON object');
  return parsed as Record<string, unknown>;
}

/** dist/dashboard/web of the installed package, from the bundle (dist/bundle/) or tsc's output (dist/dashboard/). */
export function webDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'dist', 'dashboard', 'web');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new UserError('the dashboard page is not built (dist/dashboard/web is missing)', {
    hint: 'Run `npm run build`.',
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A built asset by its bare name (no path may climb out of the directory). */
export function sendAsset(res: ServerResponse, dir: string, name: string): void {
  if (!/^[\w.-]+$/.test(name) || !existsSync(path.join(dir, name))) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    // Everything the page needs comes from here: no CDN, no inline script.
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    'x-content-type-options': 'nosniff',
  });
  res.end(readFileSync(path.join(dir, name)));
}
