import { symlinkSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { closest } from '../../../src/config/suggest.js';
import { checkSchemaTemplate, findCycle, resolveConfig } from '../../../src/config/validate.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}) {
  const result = resolveConfig(raw, { configPath: `${ws.dir}/devup.config.json`, env });
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

it('reports every problem at once, each with its key path', () => {
  ws = createWorkspace({ 'services/auth/server.js': '' });
  const found = problems({
    services: {
      auth: { cwd: 'services/auth', migrations: { dir: 'migrations' }, dependsOn: ['wokflow'] },
      workflow: { cwd: 'services/workflow', port: 4001 },
      billing: { port: 4001 },
    },
  });
  expect(found).toContain('services.auth.migrations.dir: no such directory: services/auth/migrations');
  expect(found).toContain('services.auth.dependsOn: unknown service or infra "wokflow" (did you mean "workflow"?)');
  expect(found).toContain('services.workflow.cwd: no such directory: services/workflow');
  expect(found).toContain('services.billing.port: 4001 is also used by services.workflow.port');
});

it('rejects unknown keys with a did-you-mean', () => {
  ws = createWorkspace();
  const found = problems({ services: { api: { comand: 'node x.js', dependOn: [] } }, databse: {} });
  expect(found).toContainEqual(expect.stringMatching(/^databse: unknown key \(did you mean "database"\?\)/));
  expect(found).toContainEqual(
    expect.stringMatching(/^services\.api\.comand: unknown key \(did you mean "command"\?\)/),
  );
  expect(found).toContainEqual(
    expect.stringMatching(/^services\.api\.dependOn: unknown key \(did you mean "dependsOn"\?\)/),
  );
});

it('finds dependency cycles and names them', () => {
  expect(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
      ]),
    ),
  ).toEqual(['a', 'b', 'c', 'a']);
  expect(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
  ).toBeUndefined();
  ws = createWorkspace();
  expect(problems({ services: { a: { dependsOn: ['b'] }, b: { dependsOn: ['a'] } } })).toContain(
    'services: dependency cycle: a → b → a',
  );
});

it('validates schema templates as identifiers', () => {
  expect(checkSchemaTemplate('auth_{tenant}', 'auth', ['acme'])).toEqual([]);
  expect(checkSchemaTemplate('auth', 'auth', ['a', 'b'])[0]).toMatch(/has no \{tenant\}/);
  expect(checkSchemaTemplate('Auth-{tenant}', 'auth', ['a'])[0]).toMatch(
    /"Auth-a" \(tenant "a"\) is not a valid schema name/,
  );
  expect(checkSchemaTemplate('x_{tenat}', 'auth', ['a'])[0]).toMatch(/unknown placeholder/);
});

it('lists missing required environment variables together', () => {
  ws = createWorkspace();
  expect(problems({ requiredEnv: ['STRIPE_KEY', 'HOME_X', 'SET'], services: { a: {} } }, { SET: '1' })).toContain(
    'requiredEnv: missing environment variables: STRIPE_KEY, HOME_X (set them in .env next to the config)',
  );
});

it('fills defaults: loopback bind, project from the directory, one default tenant', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;' });
  const { config } = resolveConfig(
    { project: 'shop', services: { api: { migrations: { dir: 'm' } } } },
    { configPath: `${ws.dir}/devup.config.json`, env: {} },
  );
  expect(config?.database).toMatchObject({ bind: '127.0.0.1', engine: 'auto', database: 'shop' });
  expect(config?.services[0]?.migrations).toMatchObject({
    kind: 'sql',
    schemaTemplate: '{service}_{tenant}',
    tenants: { kind: 'list', tenants: ['default'] },
  });
});

it('suggests only close words', () => {
  expect(closest('servces', ['services', 'project'])).toBe('services');
  expect(closest('zzz', ['services', 'project'])).toBeUndefined();
});

it('refuses schemas that belong to Postgres, and two services sharing one schema', () => {
  ws = createWorkspace({ 'a/m/.keep': '', 'b/m/.keep': '' });
  const found = problems({
    services: {
      a: { cwd: 'a', migrations: { dir: 'm', schema: 'shared' } },
      b: { cwd: 'b', migrations: { dir: 'm', schema: 'shared' } },
      c: { cwd: 'a', migrations: { dir: 'm', schema: 'pg_catalog' } },
    },
  });
  expect(found).toContain(
    'services.b.migrations.schema: schema "shared" is also used by services.a; give each service its own',
  );
  expect(found).toContain(
    'services.c.migrations.schema: "pg_catalog" is reserved: information_schema and pg_* belong to Postgres',
  );
});

it('names a "%" that is not a valid escape in the database URL, without printing the password', () => {
  ws = createWorkspace();
  const found = problems({ services: { api: {} } }, { DATABASE_URL: 'postgres://app:100%sure@db.example.com/shop' });
  expect(found).toEqual([
    'database.url: has a "%" that is not followed by two hex digits in its user, password or database name: write a literal % as %25',
  ]);
});

it('accepts env placeholders, names an unknown one with its key, and wants migrations for {schema}', () => {
  ws = createWorkspace({ 'api/alembic/versions/.keep': '', 'web/.keep': '' });
  const found = problems({
    services: {
      api: {
        cwd: 'api',
        env: { APP_URL: '{url}', TYPO: '{shema}' },
        migrations: { tool: 'alembic', env: { SQLALCHEMY_DATABASE_URL: '{url}', X: '{{literal}}', Y: '{nope}' } },
      },
      web: { cwd: 'web', env: { SCHEMA: '{schema}', DB: '{database}' } },
    },
  });
  expect(found).toEqual([
    'services.api.migrations.env.Y: unknown placeholder {nope}: use {url}, {schema}, {tenant}, {database}, {service} (or {{ }} for literal braces)',
    'services.api.env.TYPO: unknown placeholder {shema}: use {url}, {schema}, {tenant}, {database}, {service} (or {{ }} for literal braces)',
    'services.web.env.SCHEMA: {schema} and {tenant} name a tenant schema, and this service has no migrations',
  ]);
});

it('refuses a data directory that holds the project, the config or a migration directory', () => {
  ws = createWorkspace({ 'auth/migrations/0001_a.sql': '' });
  symlinkSync(ws.dir, `${ws.dir}/to-root`);
  const withDataDir = (dataDir: string) =>
    problems({ database: { dataDir }, services: { auth: { cwd: 'auth', migrations: { dir: 'migrations' } } } });
  for (const dataDir of ['.', '..', '/', 'auth', 'to-root', '.devup', 'auth/..']) {
    expect(withDataDir(dataDir), dataDir).toContainEqual(
      expect.stringMatching(/^database\.dataDir: ".*" contains .*delete the data directory whole/),
    );
  }
  expect(withDataDir('.')).toContainEqual(expect.stringContaining('"." contains devup.config.json'));
  expect(withDataDir('auth')).toContainEqual(expect.stringContaining('"auth" contains auth'));
  for (const dataDir of ['.devup/postgres', 'pgdata', 'auth/pgdata', '/tmp/elsewhere-pg']) {
    expect(withDataDir(dataDir), dataDir).toEqual([]);
  }
});

it('watches migrations and restarts on migrate unless told not to', () => {
  ws = createWorkspace();
  const resolve = (raw: unknown) => resolveConfig(raw, { configPath: `${ws.dir}/devup.config.json`, env: {} });
  const defaults = resolve({ services: { api: { command: 'node x.js' } } }).config;
  expect(defaults?.watch).toBe(true);
  expect(defaults?.services[0]?.restartOnMigrate).toBe(true);
  const off = resolve({ watch: false, services: { api: { command: 'node x.js', restartOnMigrate: false } } }).config;
  expect(off?.watch).toBe(false);
  expect(off?.services[0]?.restartOnMigrate).toBe(false);
  expect(problems({ watch: 'no', services: {} })).toContainEqual(expect.stringMatching(/^watch: /));
});
