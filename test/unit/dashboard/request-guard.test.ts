import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { guardRequest, sessionCookie } from '../../../src/dashboard/request-guard.js';

const TOKEN = 'the-token';
const request = (headers: Record<string, string>, method = 'GET') =>
  ({ method, headers }) as unknown as IncomingMessage;
const cookie = { cookie: `other=1; devup_dashboard=${TOKEN}` };

describe('guardRequest', () => {
  it('lets a request with the cookie, or the printed URL’s token, through on its own host', () => {
    expect(guardRequest(request({ host: '127.0.0.1:4900', ...cookie }), 4900, TOKEN, null)).toBeUndefined();
    expect(guardRequest(request({ host: 'localhost:4900' }), 4900, TOKEN, TOKEN)).toBeUndefined();
  });

  it('refuses a missing or wrong token with 401', () => {
    expect(guardRequest(request({ host: '127.0.0.1:4900' }), 4900, TOKEN, null)?.status).toBe(401);
    expect(
      guardRequest(request({ host: '127.0.0.1:4900', cookie: 'devup_dashboard=nope' }), 4900, TOKEN, 'x')?.status,
    ).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) or Origin with 403, even with the token', () => {
    expect(guardRequest(request({ host: 'evil.example:4900', ...cookie }), 4900, TOKEN, null)).toEqual({
      status: 403,
      reason: 'foreign Host header',
    });
    expect(guardRequest(request({ host: '127.0.0.1:4901', ...cookie }), 4900, TOKEN, null)?.status).toBe(403);
    const post = request({ host: '127.0.0.1:4900', origin: 'http://evil.example', ...cookie }, 'POST');
    expect(guardRequest(post, 4900, TOKEN, null)?.reason).toBe('foreign Origin header');
    expect(guardRequest(request({ host: '127.0.0.1:4900', ...cookie }, 'POST'), 4900, TOKEN, null)?.status).toBe(403);
    const own = request({ host: '127.0.0.1:4900', origin: 'http://127.0.0.1:4900', ...cookie }, 'POST');
    expect(guardRequest(own, 4900, TOKEN, null)).toBeUndefined();
  });

  it('hands the token over as an HttpOnly, SameSite=Strict cookie', () => {
    expect(sessionCookie(TOKEN)).toBe('devup_dashboard=the-token; HttpOnly; SameSite=Strict; Path=/');
  });
});
