import { expect, it } from 'vitest';
import type { ServiceSettings } from '../../../../src/config/types.js';
import { connectionEnv } from '../../../../src/database/connection/connection-env.js';

const admin = { host: '127.0.0.1', port: 54320, user: 'devup', password: 'pw', database: 'shop' };
const service = { name: 'auth', database: undefined } as ServiceSettings;

it('gives a service its database, its first schema, and every tenant with its own URL', () => {
  const env = connectionEnv(admin, service, [
    { tenant: 'acme', schema: 'auth_acme' },
    { tenant: 'globex', schema: 'auth_globex' },
  ]);
  expect(env).toMatchObject({
    PGHOST: '127.0.0.1',
    PGPORT: '54320',
    PGUSER: 'devup',
    PGPASSWORD: 'pw',
    PGDATABASE: 'shop',
  });
  // A plain URL every driver and Alembic's ConfigParser accept; the schema goes in PGOPTIONS.
  expect(env.DATABASE_URL).toBe('postgresql://devup:pw@127.0.0.1:54320/shop');
  expect(env.PGOPTIONS).toBe('-c search_path=auth_acme,public');
  expect(env).toMatchObject({ DEVUP_SCHEMA: 'auth_acme', DEVUP_TENANT: 'acme' });
  expect(new URL(env.DEVUP_DATABASE_URL_SEARCH_PATH ?? '').searchParams.get('options')).toBe(
    '-c search_path=auth_acme,public',
  );
  expect(JSON.parse(env.DEVUP_TENANT_SCHEMAS ?? '')).toEqual({ acme: 'auth_acme', globex: 'auth_globex' });
  const urls = JSON.parse(env.DEVUP_TENANT_DATABASE_URLS ?? '') as Record<string, string>;
  expect(new URL(urls.globex ?? '').searchParams.get('options')).toBe('-c search_path=auth_globex,public');
});

it('a service with a database of its own gets that one', () => {
  const env = connectionEnv(admin, { ...service, database: 'auth_db' }, []);
  expect(env.PGDATABASE).toBe('auth_db');
  expect(new URL(env.DATABASE_URL ?? '').pathname).toBe('/auth_db');
  expect('PGOPTIONS' in env).toBe(false);
});
