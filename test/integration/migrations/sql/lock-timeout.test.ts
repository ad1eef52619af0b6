import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { type ConnectionInfo, connect } from '../../../../src/database/connection/connection.js';
import { UserError } from '../../../../src/errors.js';
import { applyTarget, type SqlTarget } from '../../../../src/migrations/sql/apply.js';
import { readHistory } from '../../../../src/migrations/sql/history.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { withTestDatabase } from '../../helpers/database.js';
import { sqlTarget } from '../../helpers/sql-target.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let admin: pg.Client;
let ws: Workspace;
const opened: pg.Client[] = [];

withTestDatabase((created, connection) => {
  db = created;
  admin = connection;
});
afterEach(async () => {
  ws?.cleanup();
  for (const c of opened.splice(0)) await c.end().catch(() => {});
});

async function open(): Promise<pg.Client> {
  const client = await connect(db);
  opened.push(client);
  return client;
}

function target(schema: string, files: Record<string, string>): SqlTarget {
  ws = createWorkspace(Object.fromEntries(Object.entries(files).map(([name, sql]) => [`m/${name}`, sql])));
  return sqlTarget(`${ws.dir}/m`, schema);
}

/** Live traffic: a transaction holding a lock on the table, open until the test says. */
async function holdLock(table: string): Promise<{ client: pg.Client; pid: number }> {
  const client = await open();
  const { rows } = await client.query('select pg_backend_pid() as pid');
  await client.query(`begin; lock table ${table} in access share mode`);
  return { client, pid: rows[0].pid };
}

/** Polls pg_locks until some devup backend waits for a lock on `table`. */
async function devupWaitsFor(table: string): Promise<void> {
  for (;;) {
    const { rowCount } = await admin.query(
      `select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where not l.granted and l.relation = $1::regclass and a.application_name = 'devup'`,
      [table],
    );
    if (rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it('gives up after bounded retries, naming the table, the blocking pid and its query; nothing applied', async () => {
  await admin.query('create schema lt1; create table lt1.accounts (id int)');
  const t = target('lt1', { '0001_add_column.sql': 'alter table accounts add column email text;' });
  const holder = await holdLock('lt1.accounts');
  const client = await open();
  const warnings: string[] = [];
  const error = await applyTarget(client, t, {
    timeouts: { lockTimeoutMs: 100, lockRetries: 2, observe: open },
    onEvent: (e) => (e.type === 'warning' ? warnings.push(e.message) : undefined),
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  const failure = error as UserError;
  expect(failure.message).toBe(
    `migration 0001_add_column in lt1 could not lock table lt1.accounts, held by pid ${holder.pid} (lock_timeout, 3 attempts)`,
  );
  expect(failure.details.join('\n')).toContain('its last query: begin; lock table lt1.accounts in access share mode');
  expect(failure.hint).toContain(`pg_terminate_backend(${holder.pid})`);
  expect(warnings).toEqual([
    '0001_add_column: lock_timeout (100 ms) hit; retry 1 of 2 in 200 ms',
    '0001_add_column: lock_timeout (100 ms) hit; retry 2 of 2 in 400 ms',
  ]);
  expect((await readHistory(client, 'lt1')).filter((r) => r.success)).toEqual([]);
  const { rows } = await admin.query(
    "select 1 from information_schema.columns where table_schema = 'lt1' and column_name = 'email'",
  );
  expect(rows).toEqual([]);
});

it('applies once the lock holder is gone, within its retries', async () => {
  await admin.query('create schema lt2; create table lt2.accounts (id int)');
  const t = target('lt2', { '0001_add_column.sql': 'alter table accounts add column email text;' });
  const holder = await holdLock('lt2.accounts');
  const client = await open();
  const applying = applyTarget(client, t, { timeouts: { lockTimeoutMs: 200, lockRetries: 10, observe: open } });
  await devupWaitsFor('lt2.accounts');
  await holder.client.query('commit');
  const result = await applying;
  expect(result.applied.map((a) => a.migration.id)).toEqual(['0001_add_column']);
});

it('retries a statement outside a transaction without running the ones before it again', async () => {
  await admin.query('create schema lt3; create table lt3.accounts (id int); create table lt3.log (n int)');
  const t = target('lt3', {
    '0001_two_steps.sql':
      '-- devup:no-transaction\ninsert into log values (1);\nalter table accounts add column email text;\n',
  });
  const holder = await holdLock('lt3.accounts');
  const client = await open();
  const applying = applyTarget(client, t, { timeouts: { lockTimeoutMs: 200, lockRetries: 10, observe: open } });
  await devupWaitsFor('lt3.accounts');
  await holder.client.query('commit');
  await applying;
  expect((await admin.query('select n from lt3.log')).rows).toEqual([{ n: 1 }]);
});

it('runs every migration under statement_timeout', async () => {
  await admin.query('create schema lt4');
  const t = target('lt4', { '0001_slow.sql': 'select pg_sleep(30);' });
  const client = await open();
  const error = await applyTarget(client, t, { timeouts: { statementTimeoutMs: 100 } }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).details.join('\n')).toMatch(/57014|statement timeout/);
});
