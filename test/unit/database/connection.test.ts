import { expect, it } from 'vitest';
import { connectionUrl, isLoopbackHost, maskUrl, parseConnectionUrl } from '../../../src/database/connection.js';
import { maskSecret } from '../../../src/lib/secret-mask.js';

const info = { host: '127.0.0.1', port: 5432, user: 'app', password: '100%sure:@/x', database: 'shop' };

it('round-trips passwords with URL-special characters', () => {
  const url = connectionUrl(info);
  expect(parseConnectionUrl(url)).toEqual(info);
});

it('puts a schema first on the search_path through libpq options', () => {
  const url = new URL(connectionUrl(info, { searchPath: ['auth_acme', 'public'] }));
  expect(url.searchParams.get('options')).toBe('-c search_path=auth_acme,public');
});

it('masks passwords in URLs and in text, whole tokens only', () => {
  expect(maskUrl('postgres://app:secret@db:5432/x')).toBe('postgres://app:****@db:5432/x');
  expect(maskSecret('password devup for devup_demo at devup@', 'devup')).toBe('password **** for devup_demo at ****@');
});

it('knows loopback hosts', () => {
  expect(['localhost', '127.0.0.1', '::1', '127.1.2.3'].every(isLoopbackHost)).toBe(true);
  expect(isLoopbackHost('db.internal')).toBe(false);
});
