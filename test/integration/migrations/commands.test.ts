import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterEach, expect, it, vi } from 'vitest';
import { type ConnectionInfo, connect, withClient } from '../../../src/database/connection/connection.js';
import { UserError } from '../../../src/errors.js';
import { applyTarget } from '../../../src/migrations/sql/apply.js';
import { baselineTarget } from '../../../src/migrations/sql/baseline.js';
import { discoverMigrations } from '../../../src/migrations/sql/discover.js';
import { dryRunMigrations } from '../../../src/migrations/sql/dry-run.js';
import { readHistory } from '../../../src/migrations/sql/history.js';
import { createMigration } from '../../../src/migrations/sql/new-migration.js';
import { planTarget } from '../../../src/migrations/sql/plan.js';
import { applyRepair, planRepair } from '../../../src/migrations/sql/repair.js';
import { rollbackTarget } from '../../../src/migrations/sql/rollback.js';
import { runMigrationStep, type StepEvent } from '../../../src/migrations/step/migration-step.js';
import { collectTargetPlans } from '../../../src/migrations/target-plans.js';
import { Output } from '../../../src/ui/output.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';
import { sqlTarget } from '../helpers/sql-target.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let client: pg.Client;
let ws: Workspace;

withTestDatabase((created, connection) => {
  db = created;
  client = connection;
});
afterEach(() => ws?.cleanup());

const target = sqlTarget;

async function tableNames(schema: string): Promise<string[]> {
  const { rows } = await client.query('select tablename from pg_tables where schemaname = $1 order by 1', [schema]);
  return rows.map((r) => r.tablename);
}

it('rolls back through down files by steps and to a version, and names a migration without one', async () => {
  ws = createWorkspace({
    'm/0001_a.up.sql': 'create table a (id int);',
    'm/0001_a.down.sql': 'drop table a;',
    'm/0002_b.up.sql': 'create table b (id int);',
    'm/0002_b.down.sql': 'drop table b;',
    'm/0003_c.up.sql': 'create table c (id int);',
    'm/0003_c.down.sql': 'drop table c;',
  });
  await applyTarget(client, target(`${ws.dir}/m`, 'rb'));
  expect(await rollbackTarget(client, target(`${ws.dir}/m`, 'rb'), { steps: 1 })).toEqual(['0003_c']);
  expect(await tableNames('rb')).toEqual(['a', 'b', 'devup_migrations']);
  expect(await rollbackTarget(client, target(`${ws.dir}/m`, 'rb'), { to: 0n })).toEqual(['0002_b', '0001_a']);
  expect(await tableNames('rb')).toEqual(['devup_migrations']);
  ws.remove('m/0001_a.down.sql');
  await applyTarget(client, target(`${ws.dir}/m`, 'rb'));
  await expect(rollbackTarget(client, target(`${ws.dir}/m`, 'rb'), { to: 0n })).rejects.toThrow(
    'rb: cannot roll back 0001_a: no down migration',
  );
  expect((await readHistory(client, 'rb')).map((r) => r.name)).toEqual(['0001_a', '0002_b', '0003_c']);
});

it('a no-transaction down that fails names the statement and leaves the search_path as it was', async () => {
  ws = createWorkspace({
    'm/0001_a.up.sql': 'create table a (id int);',
    'm/0001_a.down.sql': '-- devup:no-transaction\ndrop table a;\ndrop table no_such_table;\n',
  });
  const own = await connect(db);
  try {
    await applyTarget(own, target(`${ws.dir}/m`, 'rb_nt'));
    const before = (await own.query('show search_path')).rows[0].search_path;
    const error = await rollbackTarget(own, target(`${ws.dir}/m`, 'rb_nt'), { steps: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('rolling back 0001_a failed in rb_nt');
    expect(error.details.join('\n')).toContain('0001_a.down.sql:3:1');
    expect((await own.query('show search_path')).rows[0].search_path).toBe(before);
  } finally {
    await own.end();
  }
});

it('baselines an existing database without running anything, then applies only the rest', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);', 'm/0002_b.sql': 'create table b (id int);' });
  await client.query('create schema legacy; create table legacy.a (id int)');
  expect(await baselineTarget(client, target(`${ws.dir}/m`, 'legacy'), 1n)).toEqual(['0001_a']);
  const result = await applyTarget(client, target(`${ws.dir}/m`, 'legacy'));
  expect(result.applied.map((a) => a.migration.id)).toEqual(['0002_b']);
  expect((await readHistory(client, 'legacy'))[0]?.appliedBy).toMatch(/\(baseline\)$/);
});

it('repair accepts a changed file after saying so, and clears a failed no-transaction run', async () => {
  ws = createWorkspace({
    'm/0001_a.sql': 'create table a (id int);',
    'm/0002_b.sql': '-- devup:no-transaction\ncreate table b (id int);\nselect broken;\n',
  });
  await applyTarget(client, target(`${ws.dir}/m`, 'rep')).catch(() => {});
  ws.write('m/0001_a.sql', 'create table a (id int); -- edited');
  ws.write('m/0002_b.sql', '-- devup:no-transaction\ncreate table if not exists b (id int);\n');
  const t = target(`${ws.dir}/m`, 'rep');
  const actions = planRepair(planTarget(t.migrations, await readHistory(client, 'rep')));
  expect(actions.map((a) => [a.kind, a.name])).toEqual([
    ['accept-checksum', '0001_a'],
    ['clear-failed', '0002_b'],
  ]);
  expect(actions[0]?.description).toMatch(/accept the current file of 0001_a \(checksum [0-9a-f]{8} → [0-9a-f]{8}\)/);
  await applyRepair(client, 'rep', actions, new Map(t.migrations.map((m) => [m.version, m.checksum])));
  const result = await applyTarget(client, t);
  expect(result.applied.map((a) => a.migration.id)).toEqual(['0002_b']);
});

it('creates the next migration in the directory own layout and numbering', () => {
  ws = createWorkspace({
    'o/0009_a.sql': '',
    'p/0001_a.up.sql': '',
    'p/0001_a.down.sql': '',
    'd/20240101120000_a.sql': '-- migrate:up\n',
  });
  const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
  expect(createMigration(`${ws.dir}/o`, 'add_bio', now).map((f) => f.slice(ws.dir.length))).toEqual([
    '/o/0010_add_bio.sql',
  ]);
  expect(createMigration(`${ws.dir}/p`, 'add_bio', now).map((f) => f.slice(ws.dir.length))).toEqual([
    '/p/0002_add_bio.up.sql',
    '/p/0002_add_bio.down.sql',
  ]);
  expect(createMigration(`${ws.dir}/d`, 'add_bio', now).map((f) => f.slice(ws.dir.length))).toEqual([
    '/d/20250102030405_add_bio.sql',
  ]);
  expect(discoverMigrations(`${ws.dir}/d`).map((m) => m.format)).toEqual(['dbmate', 'dbmate']);
});

it('the migration step migrates every tenant, dependencies first, and the check is one query per database', async () => {
  ws = createWorkspace({
    'auth/m/0001_users.sql': 'create table users (id int);',
    'billing/m/0001_invoices.sql': 'create table invoices (id int);',
  });
  const config = ws.config({
    database: { engine: 'external', url: `postgres://x@localhost/${db.database}` },
    services: {
      billing: { cwd: 'billing', dependsOn: ['auth'], migrations: { dir: 'm' } },
      auth: { cwd: 'auth', migrations: { dir: 'm', tenants: ['acme', 'globex'] } },
    },
  });
  const events: StepEvent[] = [];
  const first = await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
  expect(first.failure).toBeUndefined();
  const done = events.filter((e) => e.type === 'target-done').map((e) => e.target.schema);
  expect(done.indexOf('billing_default')).toBeGreaterThan(done.indexOf('auth_acme'));
  expect(done.indexOf('billing_default')).toBeGreaterThan(done.indexOf('auth_globex'));

  // Nothing pending: the whole check is one query on one connection, whatever the number of targets.
  const queries = vi.spyOn(pg.Client.prototype, 'query');
  const second = await runMigrationStep(config, db, {});
  expect(second.outcomes.map((o) => o.status)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
  expect(queries).toHaveBeenCalledTimes(1);
  queries.mockRestore();
  const inspected = await collectTargetPlans(config, db, {});
  expect(inspected.map((t) => t.target.schema)).toEqual(['billing_default', 'auth_acme', 'auth_globex']);
});

it('tenants can come from a query; a service can have a database of its own, created when missing', async () => {
  ws = createWorkspace({
    'crm/m/0001_contacts.sql': 'create table contacts (id int);',
    'billing/m/0001_invoices.sql': 'create table invoices (id int);',
  });
  await client.query("create table public.tenants (name text); insert into public.tenants values ('north'), ('south')");
  const own = `${db.database}_billing`;
  const config = ws.config({
    database: { engine: 'external', url: `postgres://x@localhost/${db.database}` },
    services: {
      crm: { cwd: 'crm', migrations: { dir: 'm', tenants: { query: 'select name from public.tenants order by 1' } } },
      billing: { cwd: 'billing', database: own, migrations: { dir: 'm' } },
    },
  });
  try {
    const result = await runMigrationStep(config, db, {});
    expect(result.failure).toBeUndefined();
    expect(result.outcomes.map((o) => `${o.target.schema}@${o.target.database ?? 'main'}:${o.status}`)).toEqual([
      'crm_north@main:applied',
      'crm_south@main:applied',
      `billing_default@${own}:applied`,
    ]);
    const billing = await connect({ ...db, database: own });
    expect((await billing.query("select to_regclass('billing_default.invoices') as t")).rows[0]?.t).toBe(
      'billing_default.invoices',
    );
    await billing.end();
    const again = await runMigrationStep(config, db, {});
    expect(again.outcomes.every((o) => o.status === 'up-to-date')).toBe(true);
  } finally {
    await client.query(`drop database if exists ${own} with (force)`);
  }
});

it('dry-run prints the SQL each target would run and changes nothing', async () => {
  ws = createWorkspace({ 'svc/m/0001_a.sql': 'create table ${schema}.a (id int);' });
  const config = ws.config({
    database: { engine: 'external', url: `postgres://x@localhost/${db.database}` },
    services: { svc: { cwd: 'svc', migrations: { dir: 'm', tenants: ['one'] } } },
  });
  const lines: string[] = [];
  const output = new Output('plain', (text) => lines.push(text));
  await dryRunMigrations(config, db, { output });
  expect(lines.join('')).toBe(
    [
      '-- devup migrate --dry-run: a psql script (psql -f FILE); it does not record devup history.',
      '\\set ON_ERROR_STOP on',
      'create schema if not exists "svc_one";',
      '-- svc_one: 0001_a',
      'begin;',
      'set local search_path to "svc_one", public;',
      'create table "svc_one".a (id int);',
      'commit;',
      '',
      '',
    ].join('\n'),
  );
  const { rowCount } = await client.query("select 1 from pg_namespace where nspname = 'svc_one'");
  expect(rowCount).toBe(0);
});

it('dry-run output is a script psql runs as is: files without a final semicolon, no-transaction files, service databases', async () => {
  const own = `${db.database}_dry`;
  await client.query(`create database ${own}`);
  try {
    ws = createWorkspace({
      'svc/m/0001_a.sql': 'create table a (id int)',
      'svc/m/0002_b.sql': 'insert into a values (1) -- the last line is a comment',
      'svc/m/0003_c.sql': '-- devup:no-transaction\ncreate index concurrently a_id on a (id)',
      'own/m/0001_x.sql': 'create table x (id int);\n',
    });
    const config = ws.config({
      database: { engine: 'external', url: `postgres://x@localhost/${db.database}` },
      services: {
        svc: { cwd: 'svc', migrations: { dir: 'm', tenants: ['one', 'two'] } },
        own: { cwd: 'own', database: own, migrations: { dir: 'm' } },
      },
    });
    const lines: string[] = [];
    await dryRunMigrations(config, db, { output: new Output('plain', (text) => lines.push(text)) });
    const script = lines.join('');
    expect(script).toContain('-- svc_one: 0003_c (no transaction: runs statement by statement)');
    execFileSync('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-d', db.database], {
      input: script,
      env: { ...process.env, PGHOST: db.host, PGPORT: String(db.port), PGUSER: db.user, PGPASSWORD: db.password },
    });
    for (const schema of ['svc_one', 'svc_two']) {
      const { rows } = await client.query(`select count(*)::int as n from ${schema}.a`);
      expect(rows[0]?.n).toBe(1);
      const index = await client.query('select 1 from pg_indexes where schemaname = $1 and indexname = $2', [
        schema,
        'a_id',
      ]);
      expect(index.rowCount).toBe(1);
    }
    const inOwn = await withClient(db, (c) => c.query('select to_regclass($1) as t', ['own_default.x']), {
      database: own,
    });
    expect(inOwn.rows[0]?.t).toBe('own_default.x');
  } finally {
    await client.query(`drop database if exists ${own} with (force)`);
  }
});

it('a server refusal (no CREATEDB for a service database) is a sentence with a way out, not a bug', async () => {
  const role = `devup_nocreate_${Math.random().toString(36).slice(2, 8)}`;
  await client.query(`create role ${role} login password 'x'`);
  ws = createWorkspace({ 'svc/m/0001_a.sql': 'select 1;' });
  const config = ws.config({
    database: { engine: 'external', url: `postgres://x@localhost/${db.database}` },
    services: { svc: { cwd: 'svc', database: `${db.database}_own`, migrations: { dir: 'm' } } },
  });
  try {
    const error = await runMigrationStep(config, { ...db, user: role, password: 'x' }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(new RegExp(`^cannot create the database "${db.database}_own"`));
    expect((error as UserError).hint).toMatch(/CREATEDB/);
  } finally {
    await client.query(`drop role ${role}`);
  }
});
