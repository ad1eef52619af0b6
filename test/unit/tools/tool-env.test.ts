import { describe, expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import type { ConnectionInfo } from '../../../src/database/connection/connection.js';
import { parseConnectionUrl } from '../../../src/database/connection/connection-url.js';
import { dbmate } from '../../../src/migrations/tools/dbmate.js';
import { flyway } from '../../../src/migrations/tools/flyway.js';
import { liquibase } from '../../../src/migrations/tools/liquibase.js';
import {
  buildToolEnv,
  findProgram,
  jdbcUrl,
  secretsOf,
  type ToolEnvInput,
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
  serviceCwd: '/srv/billing',
  root: '/srv',
  serviceEnv: {},
  serviceEnvFile: {},
  migrationEnv: {},
  baseEnv: { PATH: '/usr/bin', HOME: '/root', DATABASE_URL: 'postgres://elsewhere/x', UNSET: undefined },
  ...overrides,
});

describe('buildToolEnv', () => {
  it('gives a plain DATABASE_URL, the schema in PGOPTIONS, and survives any password', () => {
    const env = buildToolEnv(input());
    const url = new URL(env.DATABASE_URL as string);
    expect(parseConnectionUrl(env.DATABASE_URL as string, {})).toMatchObject(admin);
    // Nothing after the path: ConfigParser (Alembic) and asyncpg choke on `options`.
    expect(url.search).toBe('');
    expect(url.protocol).toBe('postgresql:');
    expect(env.PGOPTIONS).toBe('-c search_path=billing_acme,public');
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

  it('searches the virtualenvs, then node_modules/.bin, of the tool, the service and the repo, then PATH', () => {
    expect(buildToolEnv(input({ cwd: '/srv/billing/db' })).PATH).toBe(
      [
        '/srv/billing/db/.venv/bin',
        '/srv/billing/db/venv/bin',
        '/srv/billing/.venv/bin',
        '/srv/billing/venv/bin',
        '/srv/.venv/bin',
        '/srv/venv/bin',
        '/srv/billing/db/node_modules/.bin',
        '/srv/billing/node_modules/.bin',
        '/srv/node_modules/.bin',
        '/usr/bin',
      ].join(':'),
    );
  });

  it('expands placeholders in the service env and migrations.env; migrations.env wins', () => {
    const env = buildToolEnv(
      input({
        serviceEnv: { APP_DB: '{url}', WHO: '{service}/{tenant}' },
        serviceEnvFile: { FROM_FILE: '1', APP_DB: 'file' },
        migrationEnv: {
          SQLALCHEMY_DATABASE_URL: '{url}',
          ALEMBIC_SCHEMA: '{schema}',
          DB: '{database}',
          LITERAL: '{{schema}}',
          PGUSER: 'override',
        },
      }),
    );
    expect(env.SQLALCHEMY_DATABASE_URL).toBe(env.DATABASE_URL);
    expect(env.APP_DB).toBe(env.DATABASE_URL);
    expect(env).toMatchObject({
      ALEMBIC_SCHEMA: 'billing_acme',
      DB: 'app',
      WHO: 'billing/acme',
      LITERAL: '{schema}',
      FROM_FILE: '1',
      PGUSER: 'override',
    });
  });
});

describe('buildToolEnv placeholders', () => {
  it("gives migrations.env the target's driver URLs and parts, and other services' addresses", () => {
    const ingestion = { name: 'ingestion', port: 4303, ready: { kind: 'tcp', port: 4303 } } as ServiceSettings;
    const env = buildToolEnv(
      input({
        target: { ...target, database: 'billing' },
        services: [ingestion],
        serviceEnv: { INGESTION: '{service.ingestion.url}' },
        migrationEnv: { SQLALCHEMY_URL: '{url:psycopg2}', WHO: '{user}@{host}:{port}/{database}' },
      }),
    );
    expect(env.SQLALCHEMY_URL).toBe(env.DATABASE_URL?.replace(/^postgresql:/, 'postgresql+psycopg2:'));
    expect(env.SQLALCHEMY_URL).toMatch(/\/billing$/);
    expect(env.WHO).toBe('devup@127.0.0.1:54329/billing');
    expect(env.INGESTION).toBe('http://127.0.0.1:4303');
  });
});

describe('findProgram', () => {
  it('finds an executable along a search path, or a path relative to cwd', () => {
    expect(findProgram('sh', '/nonexistent:/bin:/usr/bin', '/')).toMatch(/\/bin\/sh$/);
    expect(findProgram('bin/sh', '', '/')).toBe('/bin/sh');
    expect(findProgram('no-such-program-devup', '/bin:/usr/bin', '/')).toBeUndefined();
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

describe('TLS and timeouts handed on to tools', () => {
  const rootCert = '/etc/ssl/db-ca.pem';
  const tlsAdmin: ConnectionInfo = {
    ...admin,
    host: 'db.example.com',
    ssl: { mode: 'verify-full', rootCert, tls: {} },
  };

  it('libpq tools get sslmode and sslrootcert in DATABASE_URL and PGSSL*, and the timeouts in PGOPTIONS', () => {
    const env = buildToolEnv(
      input({ admin: tlsAdmin, timeouts: { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 } }),
    );
    const url = new URL(env.DATABASE_URL as string);
    expect(url.searchParams.get('sslmode')).toBe('verify-full');
    expect(url.searchParams.get('sslrootcert')).toBe(rootCert);
    expect(env).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: rootCert });
    expect(env.PGOPTIONS).toBe('-c search_path=billing_acme,public -c lock_timeout=5000 -c statement_timeout=60000');
  });

  it('JDBC tools get them in the JDBC URL; dbmate keeps the sslmode asked for, even on loopback', () => {
    expect(jdbcUrl('db.example.com', 5432, 'app', tlsAdmin.ssl)).toBe(
      `jdbc:postgresql://db.example.com:5432/app?sslmode=verify-full&sslrootcert=${encodeURIComponent(rootCert)}`,
    );
    const local = { ...tlsAdmin, host: '127.0.0.1' };
    const env = buildToolEnv(input({ tool: 'dbmate', admin: local, toolEnv: dbmate.env }));
    expect(new URL(env.DATABASE_URL as string).searchParams.get('sslmode')).toBe('verify-full');
  });

  it('Prisma gets its own spelling: sslcert is the CA, sslaccept=strict for verify-full', () => {
    const url = new URL(buildToolEnv(input({ tool: 'prisma', admin: tlsAdmin })).DATABASE_URL as string);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      schema: 'billing_acme',
      sslmode: 'require',
      sslcert: rootCert,
      sslaccept: 'strict',
    });
  });

  it("libpq's implied default (prefer) is not handed on: each tool keeps its own", () => {
    const implied: ConnectionInfo = { ...admin, ssl: { mode: 'prefer', implied: true, tls: {} } };
    const env = buildToolEnv(input({ admin: implied }));
    expect(new URL(env.DATABASE_URL as string).search).toBe('');
    expect(env.PGSSLMODE).toBeUndefined();
  });
});
