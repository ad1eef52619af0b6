import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  connectionUrl,
  isLoopbackAddress,
  maskUrl,
  resolvesToLoopback,
} from '../../../../src/database/connection/connection.js';
import { connectionEnv } from '../../../../src/database/connection/connection-env.js';
import { parseConnectionUrl } from '../../../../src/database/connection/connection-url.js';
import { UserError } from '../../../../src/errors.js';
import { maskSecret } from '../../../../src/lib/secret-mask.js';

const info = { host: '127.0.0.1', port: 5432, user: 'app', password: '100%sure:@/x', database: 'shop' };

it('round-trips passwords with URL-special characters', () => {
  const url = connectionUrl(info);
  expect(parseConnectionUrl(url, {})).toMatchObject(info);
});

it('puts a schema first on the search_path through libpq options', () => {
  const url = new URL(connectionUrl(info, { searchPath: ['auth_acme', 'public'] }));
  expect(url.searchParams.get('options')).toBe('-c search_path=auth_acme,public');
});

it('masks passwords in URLs and in text, whole tokens only', () => {
  expect(maskUrl('postgres://app:secret@db:5432/x')).toBe('postgres://app:****@db:5432/x');
  expect(maskSecret('password s3cret for s3cret_demo at s3cret@', 's3cret')).toBe(
    'password **** for s3cret_demo at ****@',
  );
});

it('masks a password that is a plain word only where it stands as a credential, never in ordinary text', () => {
  const mask = (text: string) => maskSecret(text, 'devup');
  expect(mask('devup: tenants from devup: 3 in /home/u/.devup/postgres')).toBe(
    'devup: tenants from devup: 3 in /home/u/.devup/postgres',
  );
  expect(mask('connecting to postgresql://devup:devup@127.0.0.1:54320/app')).toBe(
    'connecting to postgresql://devup:****@127.0.0.1:54320/app',
  );
  expect(mask('PGPASSWORD=devup psql')).toBe('PGPASSWORD=**** psql');
  expect(mask('{"user":"devup","password":"devup"}')).toBe('{"user":"devup","password":"****"}');
  expect(mask("password: 'devup'")).toBe("password: '****'");
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

it('a "%" that is not a valid escape in a URL password is a user error, with the password masked', () => {
  let error: unknown;
  try {
    parseConnectionUrl('postgres://app:100%sure@db.example.com/shop', {});
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toBe(
    'the database URL postgres://app:****@db.example.com/shop has a "%" in its password that is not followed by two hex digits',
  );
  expect((error as UserError).hint).toMatch(/%25/);
});

describe('TLS settings from DATABASE_URL and PGSSL*', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-tls-unit-'));
  const ca = path.join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');

  it("defaults to libpq's prefer (plaintext on loopback), tried but not handed on", () => {
    const parsed = parseConnectionUrl('postgresql://u:p@db.example:6543/app', {});
    expect(parsed).toMatchObject({ host: 'db.example', port: 6543, user: 'u', password: 'p', database: 'app' });
    expect(parsed.ssl).toMatchObject({ mode: 'prefer', implied: true, tls: { rejectUnauthorized: false } });
    expect(connectionUrl(parsed)).not.toContain('sslmode');
    expect(parseConnectionUrl('postgresql://u@127.0.0.1/app', {}).ssl).toMatchObject({
      mode: 'disable',
      implied: true,
    });
  });

  it('reads sslmode and sslrootcert from the URL, the CA file included, and hands them on', () => {
    const parsed = parseConnectionUrl(`postgresql://u:p@db.example/app?sslmode=verify-full&sslrootcert=${ca}`, {});
    expect(parsed.ssl).toMatchObject({ mode: 'verify-full', rootCert: ca });
    expect(parsed.ssl?.implied).toBeUndefined();
    expect(String(parsed.ssl?.tls.ca)).toContain('not checked here');
    const handedOn = new URL(connectionUrl(parsed, { searchPath: ['s', 'public'] }));
    expect(handedOn.searchParams.get('sslmode')).toBe('verify-full');
    expect(handedOn.searchParams.get('sslrootcert')).toBe(ca);
    const service = { name: 'api', database: undefined } as Parameters<typeof connectionEnv>[1];
    expect(connectionEnv(parsed, service, [])).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca });
  });

  it('takes PGSSLMODE and PGSSLROOTCERT when the URL says nothing, and the URL when it does', () => {
    const env = { PGSSLMODE: 'verify-ca', PGSSLROOTCERT: ca };
    expect(parseConnectionUrl('postgresql://u@db/app', env).ssl).toMatchObject({ mode: 'verify-ca', rootCert: ca });
    expect(parseConnectionUrl('postgresql://u@db/app?sslmode=disable', env).ssl?.mode).toBe('disable');
  });

  it('refuses an unknown sslmode, naming where it came from', () => {
    expect(() => parseConnectionUrl('postgresql://u@db/app?sslmode=verify', {})).toThrow(
      /sslmode "verify" in DATABASE_URL is not one devup knows/,
    );
    expect(() => parseConnectionUrl('postgresql://u@db/app', { PGSSLMODE: 'on' })).toThrow(/in PGSSLMODE/);
  });

  it('names an unreadable certificate file and the parameter that named it', () => {
    const missing = path.join(dir, 'missing.pem');
    let error: unknown;
    try {
      parseConnectionUrl(`postgresql://u:secret@db/app?sslmode=verify-full&sslrootcert=${missing}`, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`cannot read sslrootcert "${missing}" (ENOENT)`);
    expect((error as UserError).hint).toContain('PGSSLROOTCERT');
    expect(() => parseConnectionUrl('postgresql://u@db/app', { PGSSLMODE: 'require', PGSSLKEY: dir })).toThrow(
      /cannot read sslkey .* \(EISDIR\)/,
    );
  });

  it('asks for a CA with verify-ca', () => {
    expect(() => parseConnectionUrl('postgresql://u@db/app?sslmode=verify-ca', {})).toThrow(
      /verify-ca needs sslrootcert/,
    );
  });

  it('gives the servers devup runs itself no TLS (nothing in their URLs)', () => {
    expect(connectionUrl(info)).not.toContain('ssl');
    chmodSync(dir, 0o700);
  });
});
