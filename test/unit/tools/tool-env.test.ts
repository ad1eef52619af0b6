import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../../src/database/connection.js';
import { parseConnectionUrl } from '../../../src/database/connection-url.js';
import { dbmate } from '../../../src/migrations/tools/dbmate.js';
import { flyway } from '../../../src/migrations/tools/flyway.js';
import { liquibase } from '../../../src/migrations/tools/liquibase.js';
import {
  buildToolEnv,
  jdbcUrl,
  secretsOf,
  type ToolEnvInput,
  toolPath,
} from '../../../src/migrations/tools/tool-env.js';

const admin: ConnectionInfo = {
  host: '127.0.0.1',
  port: 54329,
  user: 'devup',
  password: 'p@ss:w/rd?#&',
  database: 'app',
};
const target = { service: 'billing', tenant: 'acme', schema: 'billing_acme', database: undefined };

const input = (overrides: Partial<ToolEnvInput> = {}): ToolEnvInput => ({
  tool: 'alembic',
  target,
  admin,
  migrationsDir: '/srv/billing/alembic/versions',
  dirIsExplicit: false,
  cwd: '/srv/billing',
  root: '/srv',
  serviceEnv: {},
  baseEnv: { PATH: '/usr/bin', HOME: '/root', DATABASE_URL: 'postgres://elsewhere/x', UNSET: undefined },
  ...overrides,
});

describe('buildToolEnv', () => {
  it('points DATABASE_URL at the target database with the schema first, and survives any password', () => {
    const env = buildToolEnv(input());
    const url = new URL(env.DATABASE_URL as string);
    expect(parseConnectionUrl(env.DATABASE_URL as string, {})).toMatchObject(admin);
    expect(url.searchParams.get('options')).toBe('-c search_path=billing_acme,public');
    expect(env.PGPASSWORD).toBe(admin.password);
    expect(env).toMatchObject({
      DEVUP_SCHEMA: 'billing_acme',
      DEVUP_TENANT: 'acme',
      DEVUP_SERVICE: 'billing',
      PGHOST: '127.0.0.1',
      PGPORT: '54329',
      PGUSER: 'devup',
      PGDATABASE: 'app',
      HOME: '/root',
    });
    expect('UNSET' in env).toBe(false);
  });

  it("uses the service's own database when it has one", () => {
    const env = buildToolEnv(input({ target: { ...target, database: 'billing' } }));
    expect(env.PGDATABASE).toBe('billing');
    expect(new URL(env.DATABASE_URL as string).pathname).toBe('/billing');
  });

  it('gives prisma its schema parameter instead of a search_path', () => {
    const url = new URL(buildToolEnv(input({ tool: 'prisma' })).DATABASE_URL as string);
    expect(url.searchParams.get('schema')).toBe('billing_acme');
    expect(url.searchParams.has('options')).toBe(false);
    expect(decodeURIComponent(url.password)).toBe(admin.password);
  });

  it('gives dbmate a search_path parameter, sslmode=disable on loopback, and its own variables', () => {
    const env = buildToolEnv(input({ tool: 'dbmate', toolEnv: dbmate.env, dirIsExplicit: true, migrationsDir: '/m' }));
    const url = new URL(env.DATABASE_URL as string);
    expect(url.searchParams.get('search_path')).toBe('billing_acme,public');
    expect(url.searchParams.get('sslmode')).toBe('disable');
    expect(env).toMatchObject({ DBMATE_NO_DUMP_SCHEMA: 'true', DBMATE_MIGRATIONS_DIR: '/m' });
    const remote = buildToolEnv(
      input({ tool: 'dbmate', toolEnv: dbmate.env, admin: { ...admin, host: 'db.example.com' } }),
    );
    expect(new URL(remote.DATABASE_URL as string).searchParams.has('sslmode')).toBe(false);
    expect('DBMATE_MIGRATIONS_DIR' in remote).toBe(false);
  });

  it('sets flyway and liquibase variables with a JDBC URL and the raw password', () => {
    const fw = buildToolEnv(input({ tool: 'flyway', toolEnv: flyway.env, migrationsDir: '/srv/billing/sql' }));
    expect(fw).toMatchObject({
      FLYWAY_URL: 'jdbc:postgresql://127.0.0.1:54329/app',
      FLYWAY_USER: 'devup',
      FLYWAY_PASSWORD: admin.password,
      FLYWAY_SCHEMAS: 'billing_acme',
      FLYWAY_LOCATIONS: 'filesystem:/srv/billing/sql',
    });
    const lb = buildToolEnv(input({ tool: 'liquibase', toolEnv: liquibase.env }));
    expect(lb).toMatchObject({
      LIQUIBASE_COMMAND_URL: 'jdbc:postgresql://127.0.0.1:54329/app',
      LIQUIBASE_COMMAND_USERNAME: 'devup',
      LIQUIBASE_COMMAND_PASSWORD: admin.password,
      LIQUIBASE_COMMAND_DEFAULT_SCHEMA_NAME: 'billing_acme',
    });
  });

  it("lets the service's env through but not over devup's target variables", () => {
    const env = buildToolEnv(
      input({ serviceEnv: { APP_ENV: 'dev', DATABASE_URL: 'postgres://wrong/db', PGUSER: 'x' } }),
    );
    expect(env.APP_ENV).toBe('dev');
    expect(env.DATABASE_URL).not.toContain('wrong');
    expect(env.PGUSER).toBe('devup');
  });

  it("puts the service's and the project's node_modules/.bin first on PATH", () => {
    expect(buildToolEnv(input()).PATH).toBe('/srv/billing/node_modules/.bin:/srv/node_modules/.bin:/usr/bin');
    expect(toolPath('/srv', '/srv', undefined)).toBe('/srv/node_modules/.bin');
  });
});

describe('jdbcUrl and secretsOf', () => {
  it('brackets IPv6 hosts', () => {
    expect(jdbcUrl('::1', 5432, 'app')).toBe('jdbc:postgresql://[::1]:5432/app');
  });

  it('masks the password both plain and percent-encoded', () => {
    expect(secretsOf('p@ss word')).toEqual(['p@ss word', 'p%40ss%20word']);
    expect(secretsOf('p@s&')).toEqual(['p@s&', 'p%40s&', 'p%40s%26']);
    expect(secretsOf('plain')).toEqual(['plain']);
    expect(secretsOf('')).toEqual([]);
  });
});
