import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'devup_dashboard';

/** Why a request is refused, or undefined when it may go on. */
export type Refusal = { status: 401 | 403; reason: string } | undefined;

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

/**
 * The dashboard's door. A foreign Host (DNS rebinding) or Origin (another site's page posting to
 * 127.0.0.1) is refused with 403 before the token is even looked at; then the token must come
 * from the cookie or, on the first visit, from the printed URL's `?token=`.
 */
export function guardRequest(req: IncomingMessage, port: number, token: string, queryToken: string | null): Refusal {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!hosts.includes(req.headers.host ?? '')) return { status: 403, reason: 'foreign Host header' };
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.map((h) => `http://${h}`).includes(origin)) {
    return { status: 403, reason: 'foreign Origin header' };
  }
  // Actions must say where they come from: a browser always sends Origin on a POST.
  if (req.method !== 'GET' && req.method !== 'HEAD' && origin === undefined) {
    return { status: 403, reason: 'a POST without an Origin header' };
  }
  if (sameToken(cookieToken(req), token) || sameToken(queryToken ?? undefined, token)) return undefined;
  return { status: 401, reason: 'missing or wrong token: open the URL devup printed (`devup ui` prints it again)' };
}

export function sessionCookie(token: string): string {
  return `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
