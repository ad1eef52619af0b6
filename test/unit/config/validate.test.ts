import { symlinkSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { closest } from '../../../src/config/suggest.js';
import { checkSchemaTemplate, resolveConfig } from '../../../src/config/validate.js';
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

it('names a dependency cycle by the key of its first entry', () => {
  ws = createWorkspace();
  expect(problems({ services: { a: { dependsOn: ['b'] }, b: { dependsOn: ['a'] } } })).toContain(
    'services.a.dependsOn: dependency cycle: a → b → a (remove one of these dependsOn entries)',
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
      d: { cwd: 'b', migrations: { dir: 'm', schema: '_devup' } },
    },
  });
  expect(found).toContain(
    'services.d.migrations.schema: "_devup" is reserved: devup keeps its own records of the database there',
  );
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
  const known =
    '{url}, {url:asyncpg|psycopg|psycopg2|jdbc}, {host}, {port}, {user}, {password}, {database}, {schema}, {tenant}, {service}, {infra.NAME.url|host|port|user|password}, {service.NAME.url|host|port} (or {{ }} for literal braces)';
  expect(found).toEqual([
    `services.api.migrations.env.Y: unknown placeholder {nope}: use ${known}`,
    `services.api.env.TYPO: unknown placeholder {shema}: use ${known}`,
    'services.web.env.SCHEMA: {schema} and {tenant} name a tenant schema, and this service has no migrations',
  ]);
});

it('accepts driver URLs and the parts of the connection, and names an unknown form with its key', () => {
  ws = createWorkspace({ 'api/alembic/versions/.keep': '' });
  const found = problems({
    services: {
      api: {
        cwd: 'api',
        env: { ASYNC: '{url:asyncpg}', JDBC: '{url:jdbc}', PARTS: '{user}:{password}@{host}:{port}/{database}' },
        migrations: { tool: 'alembic', env: { SYNC: '{url:psycopg2}', BAD: '{url:asyncpgg}' } },
      },
    },
  });
  expect(found).toEqual([
    'services.api.migrations.env.BAD: unknown URL form {url:asyncpgg}: use {url:asyncpg}, {url:psycopg}, {url:psycopg2}, {url:jdbc}',
  ]);
});

it('names the key of a reference to a service that does not exist or has no address', () => {
  ws = createWorkspace({ 'api/alembic/versions/.keep': '' });
  const found = problems({
    services: {
      ingestion: { command: 'node i.js', port: 4103 },
      worker: { command: 'node w.js' },
      api: {
        cwd: 'api',
        env: {
          INGESTION_SERVICE_URL: '{service.ingestion.url}/v1',
          TYPO: '{service.ingestoin.url}',
          WORKER: '{service.worker.host}',
          PART: '{service.ingestion.path}',
        },
        migrations: { tool: 'alembic', env: { GONE: '{service.billing.port}' } },
      },
    },
  });
  expect(found).toEqual([
    'services.api.env.PART: {service.ingestion.path}: write {service.NAME.url|host|port}',
    'services.api.env.TYPO: {service.ingestoin.…} names no service (did you mean "ingestion"?): the services are ingestion, worker, api',
    'services.api.env.WORKER: {service.worker.…}: services.worker has no address; give it a `port` or an http `ready` URL',
    'services.api.migrations.env.GONE: {service.billing.…} names no service: the services are ingestion, worker, api',
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

it("workflow settings: bootstrap 'schema' is the SQL engine's and Alembic's, a bad context name is named, per-service check is normalised", () => {
  ws = createWorkspace({ 'billing/alembic.ini': '', 'shop/migrations/.keep': '' });
  expect(
    problems({
      migrations: { context: ['dev', 'prod;x'] },
      services: { billing: { cwd: 'billing', migrations: { tool: 'alembic', bootstrap: 'schema' } } },
    }),
  ).toEqual(['migrations.context.1: a context name: letters, digits, _ . - (e.g. dev, production)']);
  expect(
    problems({ services: { billing: { cwd: 'billing', migrations: { tool: 'dbmate', bootstrap: 'schema' } } } }),
  ).toEqual([
    "services.billing.migrations.bootstrap: 'schema' is for the SQL engine and Alembic only: devup cannot record dbmate's history for a loaded schema",
  ]);
  expect(
    problems({ services: { billing: { cwd: 'billing', migrations: { tool: 'alembic', bootstrap: 'schema' } } } }),
  ).toEqual([]);
  const { config } = resolveConfig(
    {
      migrations: { context: 'ci' },
      services: {
        shop: {
          cwd: 'shop',
          migrations: { dir: 'migrations', bootstrap: 'schema' },
          check: { commands: ['make test'], generated: [{ command: ['gen'], files: 'models_gen.py' }] },
        },
      },
    },
    { configPath: `${ws.dir}/devup.config.json`, env: {} },
  );
  expect(config?.migrations.contexts).toEqual(['ci']);
  expect(config?.services[0]?.migrations).toMatchObject({ kind: 'sql', bootstrap: 'schema' });
  expect(config?.services[0]?.check).toEqual({
    commands: [{ shell: 'make test' }],
    generated: [{ command: { argv: ['gen'] }, files: [`${ws.dir}/shop/models_gen.py`] }],
    drift: true,
    python: undefined,
  });
});

it('names the key and what it takes where zod says only "Invalid input"', () => {
  ws = createWorkspace();
  expect(problems({ database: { init: 5 }, services: { a: {} } })).toContain(
    'database.init: expected a SQL file path or a list of them',
  );
  expect(problems({ database: { extensions: [{ name: '' }] }, services: { a: {} } })).toEqual([
    'database.extensions.0.name: must not be empty',
    'database.extensions.0.schema: is required (a string)',
  ]);
  expect(problems({ services: { a: { command: 5 } } })).toContain(
    'services.a.command: expected a shell command (a string) or a program and its arguments (an array of strings)',
  );
  expect(problems({ services: { a: { env: { A: {} } } } })).toContain(
    'services.a.env.A: expected a string or a number or a boolean, got object',
  );
});

it('shows a data directory outside the project as written, not as ../..', () => {
  ws = createWorkspace();
  expect(problems({ database: { dataDir: '/' }, services: { a: {} } })).toContainEqual(
    expect.stringMatching(/^database\.dataDir: "\/" contains devup\.config\.json: /),
  );
});

it('refuses migrations.env keys that are no variable name, naming each', () => {
  ws = createWorkspace();
  const env = { 'BAD KEY=': 'x', '': 'y', '1': 'z', GOOD_KEY: 5 };
  expect(problems({ services: { a: { migrations: { tool: 'dbmate', env } } } }).sort()).toEqual([
    'services.a.migrations.env: "" is not a variable name: use letters, digits and _, not starting with a digit (e.g. DATABASE_URL)',
    'services.a.migrations.env: "1" is not a variable name: use letters, digits and _, not starting with a digit (e.g. DATABASE_URL)',
    'services.a.migrations.env: "BAD KEY=" is not a variable name: use letters, digits and _, not starting with a digit (e.g. DATABASE_URL)',
  ]);
});

it('refuses a schema.dir at the filesystem root, outside the project or in a migration directory', () => {
  ws = createWorkspace({ 'auth/migrations/0001_a.sql': '' });
  symlinkSync('/tmp', `${ws.dir}/to-tmp`);
  const withSchemaDir = (dir: string) =>
    problems({ schema: { dir }, services: { auth: { cwd: 'auth', migrations: { dir: 'migrations' } } } });
  const way = 'use a directory of its own inside the project (the default is docs/database)';
  expect(withSchemaDir('/')).toEqual([`schema.dir: "/" is the filesystem root; ${way}`]);
  for (const dir of ['../elsewhere', '/tmp/docs', 'to-tmp/docs']) {
    expect(withSchemaDir(dir), dir).toEqual([expect.stringMatching(/^schema\.dir: "\/.*" is outside the project; /)]);
  }
  for (const dir of ['auth/migrations', 'auth/migrations/docs']) {
    expect(withSchemaDir(dir), dir).toEqual([
      `schema.dir: "${dir}" is in the migrations of services.auth (auth/migrations); ${way}`,
    ]);
  }
  for (const dir of ['.', 'docs2', 'auth', 'auth/docs']) expect(withSchemaDir(dir), dir).toEqual([]);
  // Migrations at the project root: its own folder is refused, the folders below it are the project's.
  const atRoot = (dir: string) => problems({ schema: { dir }, services: { app: { migrations: { dir: '.' } } } });
  expect(atRoot('.')).toEqual([`schema.dir: "." is in the migrations of services.app (.); ${way}`]);
  expect(atRoot('docs/database')).toEqual([]);
});

it('a JSON config naming a service or infra entry __proto__ is told the name is reserved, not that it has no service', () => {
  ws = createWorkspace({});
  const raw = JSON.parse('{"services":{"__proto__":{"command":"true"}},"infra":{"__proto__":{"kind":"redis"}}}');
  expect(problems(raw)).toEqual([
    'services.__proto__: is a reserved name in JavaScript: choose another name',
    'infra.__proto__: is a reserved name in JavaScript: choose another name',
  ]);
});

it('database.statStatements defaults on for the official postgres and postgis images only, and the key wins', () => {
  ws = createWorkspace({});
  const statStatements = (database: Record<string, unknown>) =>
    resolveConfig(
      { database, services: { api: { command: 'true' } } },
      { configPath: `${ws.dir}/devup.config.json`, env: {} },
    ).config?.database.statStatements;
  for (const image of ['postgres:17', 'postgres', 'docker.io/library/postgres:16-alpine', 'postgis/postgis:16-3.4']) {
    expect(statStatements({ image }), image).toBe(true);
  }
  for (const image of ['timescale/timescaledb:latest-pg16', 'mycorp/postgres:15', 'postgresql-custom:1']) {
    expect(statStatements({ image }), image).toBe(false);
  }
  expect(statStatements({ image: 'timescale/timescaledb:latest-pg16', statStatements: true })).toBe(true);
  expect(statStatements({ image: 'postgres:17', statStatements: false })).toBe(false);
});
