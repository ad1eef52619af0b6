import { describe, expect, it } from 'vitest';
import { connectionPlaceholders, driverUrl } from '../../../src/config/driver-urls.js';
import {
  expandPlaceholders,
  infraReferences,
  parsePlaceholder,
  serviceReferences,
} from '../../../src/config/env-placeholders.js';
import { servicePlaceholders } from '../../../src/config/service-address.js';
import type { ServiceSettings } from '../../../src/config/types.js';

const parts = {
  url: 'postgresql://devup:p%40ss%20w%2Frd@127.0.0.1:54329/auth',
  host: '127.0.0.1',
  port: '54329',
  user: 'devup',
  password: 'p@ss w/rd',
  database: 'auth',
};
const tls = {
  ...parts,
  host: 'db.example.com',
  url: 'postgresql://devup:pw@db.example.com:5432/auth?sslmode=verify-full&sslrootcert=%2Fcerts%2Fca.pem',
  port: '5432',
  password: 'pw',
};

describe('driver URLs', () => {
  it('names the SQLAlchemy driver in the scheme and keeps the rest of the URL as it is', () => {
    expect(driverUrl(parts, 'psycopg2')).toBe('postgresql+psycopg2://devup:p%40ss%20w%2Frd@127.0.0.1:54329/auth');
    expect(driverUrl(parts, 'psycopg')).toBe('postgresql+psycopg://devup:p%40ss%20w%2Frd@127.0.0.1:54329/auth');
    expect(driverUrl(parts, 'asyncpg')).toBe('postgresql+asyncpg://devup:p%40ss%20w%2Frd@127.0.0.1:54329/auth');
    expect(driverUrl({ ...parts, url: 'postgres://u@h:1/d' }, 'psycopg2')).toBe('postgresql+psycopg2://u@h:1/d');
  });

  it('gives psycopg the libpq TLS parameters, asyncpg its own `ssl` (certificates travel in PGSSL*)', () => {
    expect(driverUrl(tls, 'psycopg2')).toBe(tls.url.replace('postgresql:', 'postgresql+psycopg2:'));
    expect(driverUrl(tls, 'asyncpg')).toBe('postgresql+asyncpg://devup:pw@db.example.com:5432/auth?ssl=verify-full');
  });

  it('writes JDBC with the credentials as parameters, encoded, and the TLS parameters pgjdbc reads', () => {
    expect(driverUrl(parts, 'jdbc')).toBe('jdbc:postgresql://127.0.0.1:54329/auth?user=devup&password=p%40ss+w%2Frd');
    expect(driverUrl(tls, 'jdbc')).toBe(
      'jdbc:postgresql://db.example.com:5432/auth?user=devup&password=pw&sslmode=verify-full&sslrootcert=%2Fcerts%2Fca.pem',
    );
    expect(driverUrl({ ...parts, host: '::1', url: 'postgresql://devup@[::1]:5432/auth' }, 'jdbc')).toMatch(
      /^jdbc:postgresql:\/\/\[::1\]:54329\/auth\?/,
    );
  });

  it('offers every part and form as a placeholder value', () => {
    const values = connectionPlaceholders(parts);
    expect(values).toMatchObject({ host: '127.0.0.1', port: '54329', user: 'devup', password: 'p@ss w/rd' });
    expect(expandPlaceholders('{url:asyncpg}', values)).toMatch(/^postgresql\+asyncpg:\/\//);
    expect(expandPlaceholders('{host}:{port}/{database} as {user}', values)).toBe('127.0.0.1:54329/auth as devup');
  });
});

describe('placeholder names', () => {
  it('knows the simple names, the URL forms and the dotted service family', () => {
    for (const name of ['url', 'host', 'port', 'user', 'password', 'database', 'schema', 'tenant', 'service']) {
      expect(parsePlaceholder(name), name).toEqual({});
    }
    expect(parsePlaceholder('url:jdbc')).toEqual({});
    expect(parsePlaceholder('service.auth.url')).toEqual({ reference: { service: 'auth', part: 'url' } });
    expect(parsePlaceholder('infra.cache.password')).toEqual({ infra: { infra: 'cache', part: 'password' } });
  });

  it('reads the infra family in the same grammar: its parts named, a prototype key no family', () => {
    expect(parsePlaceholder('infra.cache').problem).toBe(
      '{infra.cache}: write {infra.NAME.url|host|port|user|password}',
    );
    expect(parsePlaceholder('infra.cache.url.x').problem).toBe(
      '{infra.cache.url.x}: write {infra.NAME.url|host|port|user|password}',
    );
    expect(parsePlaceholder('constructor.a.b').problem).toMatch(/^unknown placeholder \{constructor\.a\.b\}/);
    expect(infraReferences('{infra.cache.url}/0 {{infra.x.url}} {service.auth.url}')).toEqual([
      { infra: 'cache', part: 'url' },
    ]);
  });

  it('says what is wrong with a name it does not know, and what to write', () => {
    expect(parsePlaceholder('url:asyncpgg').problem).toBe(
      'unknown URL form {url:asyncpgg}: use {url:asyncpg}, {url:psycopg}, {url:psycopg2}, {url:jdbc}',
    );
    expect(parsePlaceholder('service.auth').problem).toBe('{service.auth}: write {service.NAME.url|host|port}');
    expect(parsePlaceholder('service.auth.scheme').problem).toBe(
      '{service.auth.scheme}: write {service.NAME.url|host|port}',
    );
    expect(parsePlaceholder('a.b.c').problem).toMatch(/^unknown placeholder \{a\.b\.c\}: use \{url\}, \{url:asyncpg/);
    expect(parsePlaceholder('hostname').problem).toContain(
      '{service.NAME.url|host|port} (or {{ }} for literal braces)',
    );
  });

  it('finds the services a value refers to, and leaves literal braces alone', () => {
    expect(serviceReferences('{service.auth.url}/v1 {{service.x.url}} {service.billing-api.port}')).toEqual([
      { service: 'auth', part: 'url' },
      { service: 'billing-api', part: 'port' },
    ]);
  });
});

describe('service addresses', () => {
  const service = (overrides: Partial<ServiceSettings>) =>
    ({ name: 'x', port: undefined, ready: { kind: 'none' }, ...overrides }) as ServiceSettings;

  it('gives url, host and port of each service with an address', () => {
    const values = servicePlaceholders([
      service({ name: 'auth', port: 4101, ready: { kind: 'http', url: 'http://localhost:4101/health' } }),
      service({ name: 'ingestion', port: 4103, ready: { kind: 'tcp', port: 4103 } }),
      service({ name: 'worker' }),
    ]);
    expect(values).toEqual({
      'service.auth.url': 'http://localhost:4101',
      'service.auth.host': 'localhost',
      'service.auth.port': '4101',
      'service.ingestion.url': 'http://127.0.0.1:4103',
      'service.ingestion.host': '127.0.0.1',
      'service.ingestion.port': '4103',
    });
  });
});
