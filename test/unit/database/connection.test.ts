import { expect, it } from 'vitest';
import {
  connectionUrl,
  isLoopbackAddress,
  maskSecret,
  maskUrl,
  parseConnectionUrl,
  resolvesToLoopback,
} from '../../../src/database/connection.js';

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

it('masks a password in the JSON a service logs, where its quotes and backslashes are escaped', () => {
  const password = 'pa"ss\\word\n1';
  const logged = JSON.stringify({ user: 'app', password });
  expect(maskSecret(logged, password)).toBe('{"user":"app","password":"****"}');
  expect(maskSecret(`url postgres://app:${encodeURIComponent(password)}@db`, password)).toBe(
    'url postgres://app:****@db',
  );
});

it('knows literal loopback addresses, and takes no DNS name for one', () => {
  const loopback = [
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '/var/run/postgresql',
  ];
  expect(loopback.filter((host) => !isLoopbackAddress(host))).toEqual([]);
  const remote = ['db.internal', '127.0.0.1.example.com', '10.0.0.1', '::2', '::ffff:10.0.0.1', '1127.0.0.1'];
  expect(remote.filter(isLoopbackAddress)).toEqual([]);
});

it('resolves a host name and counts it as loopback only when every address is', async () => {
  expect(await resolvesToLoopback('localhost')).toBe(true);
  expect(await resolvesToLoopback('127.0.0.1')).toBe(true);
  // A name that merely begins with 127. is not on this machine (here: not resolvable at all).
  expect(await resolvesToLoopback('127.0.0.1.devup-test.invalid')).toBe(false);
  expect(await resolvesToLoopback('10.1.2.3')).toBe(false);
});
