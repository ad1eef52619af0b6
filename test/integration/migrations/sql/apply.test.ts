import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/errors.js';
import { applyTarget, type SqlTarget } from '../../../../src/migrations/sql/apply.js';
import { readHistory } from '../../../../src/migrations/sql/history.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { withTestDatabase } from '../../helpers/database.js';
import { sqlTarget } from '../../helpers/sql-target.js';

let client: pg.Client;
let ws: Workspace;

withTestDatabase((_db, connection) => {
  client = connection;
});
afterEach(() => ws?.cleanup());

function target(dir: string, schema: string, tenant = 'default'): SqlTarget {
  return sqlTarget(dir, schema, { tenant });
}

async function tables(schema: string): Promise<string[]> {
  const { rows } = await client.query<{ tablename: string }>(
    'select tablename from pg_tables where schemaname = $1 order by tablename',
    [schema],
  );
  return rows.map((r) => r.tablename);
}

describe('every layout applies, and a second run is a no-op', () => {
  const layouts: Record<string, Record<string, string>> = {
    ordered: {
      'm/0001_users.sql': 'create table users (id int primary key);',
      'm/0002_posts.sql': 'create table posts (id int primary key, user_id int references users);',
    },
    pairs: {
      'm/0001_users.up.sql': 'create table users (id int primary key);',
      'm/0001_users.down.sql': 'drop table users;',
      'm/0002_posts.up.sql': 'create table posts (id int primary key);',
      'm/0002_posts.down.sql': 'drop table posts;',
    },
    dbmate: {
      'm/20240101000000_users.sql':
        '-- migrate:up\ncreate table users (id int primary key);\n\n-- migrate:down\ndrop table users;\n',
      'm/20240102000000_posts.sql':
        '-- migrate:up\ncreate table posts (id int primary key);\n-- migrate:down\ndrop table posts;\n',
    },
    diesel: {
      'm/2024-01-01-000000_users/up.sql': 'create table users (id int primary key);',
      'm/2024-01-01-000000_users/down.sql': 'drop table users;',
      'm/2024-01-02-000000_posts/up.sql': 'create table posts (id int primary key);',
    },
  };
  for (const [layout, files] of Object.entries(layouts)) {
    it(layout, async () => {
      ws = createWorkspace(files);
      const schema = `layout_${layout}`;
      const first = await applyTarget(client, target(`${ws.dir}/m`, schema));
      expect(first.applied.map((a) => a.migration.version)).toHaveLength(2);
      expect(await tables(schema)).toEqual(['devup_migrations', 'posts', 'users']);
      const second = await applyTarget(client, target(`${ws.dir}/m`, schema));
      expect(second.applied).toEqual([]);
      const history = await readHistory(client, schema);
      expect(history.map((h) => h.success)).toEqual([true, true]);
    });
  }
});

it('a CRLF checkout of an applied file is not a change', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);\ncreate table b (id int);\n' });
  await applyTarget(client, target(`${ws.dir}/m`, 'crlf'));
  ws.write('m/0001_a.sql', 'create table a (id int);\r\ncreate table b (id int);\r\n');
  const rerun = await applyTarget(client, target(`${ws.dir}/m`, 'crlf'));
  expect(rerun.applied).toEqual([]);
});

it('records the history row in the same transaction, whatever the end of the file looks like', async () => {
  ws = createWorkspace({
    // No final `;`, then a line comment with no newline: the history row must not land in it.
    'm/0001_tail.sql': 'create table tail (id int)\n-- the end',
    'm/0002_block.sql': 'create table block (id int); /* a closing block comment */',
    // A deferred constraint fails only at COMMIT: nothing of the file, and no success row.
    'm/0003_deferred.sql': [
      'create table parent (id int primary key);',
      'create table child (parent_id int references parent deferrable initially deferred);',
      'insert into child values (42);',
    ].join('\n'),
  });
  const error = await applyTarget(client, target(`${ws.dir}/m`, 'tails')).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect([(error as UserError).message, ...(error as UserError).details].join('\n')).toContain('23503');
  expect(await tables('tails')).toEqual(['block', 'devup_migrations', 'tail']);
  const history = await readHistory(client, 'tails');
  expect(history.map((h) => [h.name, h.success])).toEqual([
    ['0001_tail', true],
    ['0002_block', true],
    ['0003_deferred', false],
  ]);
  expect(history[0]?.executionMs).toEqual(expect.any(Number));
});

it('runs each tenant in its own schema through search_path, with ${schema} and ${tenant} as identifiers', async () => {
  ws = createWorkspace({
    'm/0001_t.sql':
      'create table marker (schema_name text);\ninsert into ${schema}.marker select current_schema();\ncreate table ${tenant} (id int);\n',
  });
  for (const tenant of ['acme', 'globex']) await applyTarget(client, target(`${ws.dir}/m`, `app_${tenant}`, tenant));
  const { rows } = await client.query(
    'select schema_name from app_acme.marker union all select schema_name from app_globex.marker order by 1',
  );
  expect(rows.map((r) => r.schema_name)).toEqual(['app_acme', 'app_globex']);
  expect(await tables('app_acme')).toEqual(['acme', 'devup_migrations', 'marker']);
  expect(await tables('app_globex')).toEqual(['devup_migrations', 'globex', 'marker']);
});

it('points at the failing line and column deep in a file, and leaves nothing half-applied', async () => {
  const body = [
    'create table orders (id int primary key);',
    '',
    '-- a comment',
    'insert into orders values (1);',
    'insert into orders values (2);',
    'select id, totl from orders;',
  ].join('\n');
  ws = createWorkspace({ 'm/0001_ok.sql': 'create table ok (id int);', 'm/0002_orders.sql': body });
  const error = await applyTarget(client, target(`${ws.dir}/m`, 'failing')).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  const report = [(error as UserError).message, ...(error as UserError).details].join('\n');
  expect(report).toContain('0002_orders');
  expect(report).toMatch(/0002_orders\.sql:6:12/);
  expect(report).toContain('> 6 | select id, totl from orders;');
  expect(report).toContain('42703');
  expect(await tables('failing')).toEqual(['devup_migrations', 'ok']);
  const history = await readHistory(client, 'failing');
  expect(history.map((h) => [h.name, h.success])).toEqual([
    ['0001_ok', true],
    ['0002_orders', false],
  ]);
  expect(history[1]?.error).toMatch(/^42703: column "totl" does not exist/);
  // Fixed, it runs again: a failed transactional migration is simply retried.
  ws.write('m/0002_orders.sql', body.replace('totl', 'id'));
  const rerun = await applyTarget(client, target(`${ws.dir}/m`, 'failing'));
  expect(rerun.applied.map((a) => a.migration.id)).toEqual(['0002_orders']);
});

it('points at the failing statement when Postgres reports no position (42P01 on ALTER TABLE), and keeps nothing', async () => {
  const body = [
    'create table kept (id int);',
    'insert into kept values (1);',
    '',
    '  alter table ${schema}.missing add column x int;',
    'create table after (id int);',
  ].join('\n');
  ws = createWorkspace({ 'm/0001_alter.sql': body });
  const error = (await applyTarget(client, target(`${ws.dir}/m`, 'no_position')).catch((e: unknown) => e)) as UserError;
  expect(error).toBeInstanceOf(UserError);
  const report = error.details.join('\n');
  expect(report).toContain('42P01');
  expect(report).toMatch(/0001_alter\.sql:4:3/);
  expect(report).toContain('> 4 |   alter table ${schema}.missing add column x int;');
  expect(await tables('no_position')).toEqual(['devup_migrations']);
});

it('maps positions inside a dbmate up section back to the file', async () => {
  ws = createWorkspace({
    'm/20240101000000_x.sql':
      '-- migrate:up\ncreate table x (id int);\nselect nope from x;\n-- migrate:down\ndrop table x;\n',
  });
  const error = (await applyTarget(client, target(`${ws.dir}/m`, 'dbmate_err')).catch((e: unknown) => e)) as UserError;
  expect(error.details.join('\n')).toMatch(/20240101000000_x\.sql:3:8/);
});

describe('no-transaction files', () => {
  it('run CREATE INDEX CONCURRENTLY and a function body with semicolons, statement by statement', async () => {
    ws = createWorkspace({
      'm/0001_t.sql': 'create table t (id int, email text);',
      'm/0002_idx.sql': [
        '-- devup:no-transaction',
        'create index concurrently t_email on t (email);',
        'create function t_count() returns bigint language plpgsql as $$ declare n bigint; begin select count(*) into n from t; return n; end; $$;',
        "select 'a;b' as semicolon_in_string; -- trailing comment; with semicolon",
      ].join('\n'),
    });
    const result = await applyTarget(client, target(`${ws.dir}/m`, 'notx'));
    expect(result.applied).toHaveLength(2);
    const { rows } = await client.query("select indisvalid from pg_index where indexrelid = 'notx.t_email'::regclass");
    expect(rows[0]?.indisvalid).toBe(true);
    await client.query('set search_path to notx');
    expect((await client.query('select t_count() as n')).rows[0]?.n).toBe('0');
    await client.query('reset search_path');
  });

  it('record the failing statement; the next run stops and names the way out; repair clears it', async () => {
    ws = createWorkspace({
      'm/0001_t.sql': 'create table t (id int);',
      'm/0002_bad.sql':
        '-- devup:no-transaction\ncreate index concurrently t_id on t (id);\ncreate index concurrently t_x on t (nope);\n',
    });
    const error = (await applyTarget(client, target(`${ws.dir}/m`, 'notx_fail')).catch((e: unknown) => e)) as UserError;
    expect(error.details.join('\n')).toContain('statement 2 of 2 failed');
    expect(error.details.join('\n')).toMatch(/0002_bad\.sql:3:/);
    const row = (await readHistory(client, 'notx_fail')).find((h) => h.name === '0002_bad');
    expect(row).toMatchObject({ success: false, transactional: false, statement: 2 });
    const blocked = await applyTarget(client, target(`${ws.dir}/m`, 'notx_fail')).catch((e: unknown) => e);
    expect((blocked as Error).message).toMatch(/0002_bad failed at statement 2/);
    expect((blocked as UserError).hint).toContain('devup migrate repair');
  });

  it('refuse a syntax error in a later statement before running any, pointing at its line', async () => {
    ws = createWorkspace({
      'm/0001_t.sql': 'create table t (id int);',
      'm/0002_bad.sql':
        '-- devup:no-transaction\ncreate index concurrently t_id on t (id);\ncreate tabel u (id int);\n',
    });
    const error = (await applyTarget(client, target(`${ws.dir}/m`, 'notx_syntax')).catch(
      (e: unknown) => e,
    )) as UserError;
    const shown = [error.message, ...error.details].join('\n');
    expect(shown).toMatch(/syntax error at or near "tabel"/);
    expect(shown).toMatch(/0002_bad\.sql:3:/);
    expect(error.hint).toMatch(/none of it ran/);
    const { rows } = await client.query("select to_regclass('notx_syntax.t_id') as index");
    expect(rows[0]?.index).toBeNull();
    const row = (await readHistory(client, 'notx_syntax')).find((h) => h.name === '0002_bad');
    expect(row).toBeUndefined();
  });

  it('run a BEGIN ATOMIC body and a multi-action rule (cut by the parser) statement by statement', async () => {
    ws = createWorkspace({
      'm/0001_t.sql': 'create table t (id int); create table log (id int);',
      'm/0002_parsed.sql': [
        '-- devup:no-transaction',
        'create function one() returns int language sql begin atomic select 1; end;',
        'create rule t_log as on insert to t do also (insert into log values (new.id); insert into log values (-new.id));',
        'create index concurrently t_id on t (id);',
      ].join('\n'),
    });
    await applyTarget(client, target(`${ws.dir}/m`, 'notx_parsed'));
    await client.query('insert into notx_parsed.t values (3)');
    const { rows } = await client.query('select notx_parsed.one() as one, (select count(*) from notx_parsed.log) as n');
    expect(rows[0]).toEqual({ one: 1, n: '2' });
  });
});

it('fails fast on an applied file that changed, naming the file and both checksums', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  await applyTarget(client, target(`${ws.dir}/m`, 'drift'));
  ws.write('m/0001_a.sql', 'create table a (id bigint);');
  const error = (await applyTarget(client, target(`${ws.dir}/m`, 'drift')).catch((e: unknown) => e)) as UserError;
  expect(error.message).toContain('changed since it ran');
  expect(error.details.join('\n')).toMatch(
    /0001_a\.sql\n\s+applied checksum [0-9a-f]{12}…, file checksum [0-9a-f]{12}…/,
  );
});

it('applies an out-of-order migration with a warning, and refuses it with --strict', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);', 'm/0003_c.sql': 'create table c (id int);' });
  await applyTarget(client, target(`${ws.dir}/m`, 'ooo'));
  ws.write('m/0002_b.sql', 'create table b (id int);');
  const strict = await applyTarget(client, target(`${ws.dir}/m`, 'ooo'), { strict: true }).catch((e: unknown) => e);
  expect((strict as Error).message).toMatch(/0002_b is older than the newest applied migration/);
  const warnings: string[] = [];
  const result = await applyTarget(client, target(`${ws.dir}/m`, 'ooo'), {
    onEvent: (e) => e.type === 'warning' && warnings.push(e.message),
  });
  expect(result.applied.map((a) => a.migration.id)).toEqual(['0002_b']);
  expect(warnings.join()).toContain('applying out of order');
});

it('refuses a transactional file with its own COMMIT, pointing at it, and applies nothing of it', async () => {
  ws = createWorkspace({
    'm/0001_wrapped.sql': [
      'create function f() returns int language plpgsql as $$ begin return 1; end $$;',
      'begin;',
      'create table wrapped (id int);',
      'commit;',
    ].join('\n'),
  });
  const error = (await applyTarget(client, target(`${ws.dir}/m`, 'wrapped')).catch((e: unknown) => e)) as UserError;
  expect(error.message).toBe('migration 0001_wrapped contains BEGIN: devup runs each migration in its own transaction');
  expect(error.details.join('\n')).toMatch(/0001_wrapped\.sql:2:1/);
  expect(error.hint).toMatch(/devup:no-transaction/);
  expect(await tables('wrapped')).toEqual(['devup_migrations']);
});
