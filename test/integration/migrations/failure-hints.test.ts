import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { type ConnectionInfo, connect } from '../../../src/database/connection/connection.js';
import { UserError } from '../../../src/errors.js';
import { applyTarget, type SqlTarget } from '../../../src/migrations/sql/apply.js';
import { readHistory } from '../../../src/migrations/sql/history.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';
import { sqlTarget } from '../helpers/sql-target.js';

let db: ConnectionInfo;
let client: pg.Client;
let ws: Workspace;
withTestDatabase((created, connection) => {
  db = created;
  client = connection;
});
afterEach(() => ws?.cleanup());

function target(schema: string): SqlTarget {
  return sqlTarget(`${ws.dir}/m`, schema);
}

async function failureOf(schema: string, on: pg.Client = client): Promise<UserError> {
  const error = await applyTarget(on, target(schema)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

/** Terminates a connection's backend once it is running a statement matching `pattern`. */
async function terminateWhenRunning(victim: pg.Client, pattern: string): Promise<void> {
  const pid = (victim as unknown as { processID: number }).processID;
  for (;;) {
    const { rowCount } = await client.query(
      `select 1 from pg_stat_activity where pid = $1 and state = 'active' and query like $2`,
      [pid, `%${pattern}%`],
    );
    if (rowCount) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await client.query('select pg_terminate_backend($1)', [pid]);
}

it('a statement that cannot run in a transaction (25001) points at -- devup:no-transaction', async () => {
  ws = createWorkspace({
    'm/0001_t.sql': 'create table t (a int);',
    'm/0002_i.sql': 'create index concurrently t_a on t (a);',
  });
  const error = await failureOf('hint_25001');
  expect(error.details.join('\n')).toContain('25001');
  expect(error.hint).toContain('-- devup:no-transaction');
});

it("morph's -- morph:nontransactional runs the file outside a transaction", async () => {
  ws = createWorkspace({
    'm/0001_t.sql': 'create table t (a int);',
    'm/0002_i.sql': '-- morph:nontransactional\ncreate index concurrently t_a on t (a);',
  });
  const result = await applyTarget(client, target('morph_marker'));
  expect(result.applied.map((a) => a.migration.id)).toEqual(['0001_t', '0002_i']);
});

it('a failed no-transaction file does not claim nothing was applied', async () => {
  ws = createWorkspace({ 'm/0001_t.sql': '-- devup:no-transaction\ncreate table t (a int);\nselect nope from t;' });
  const error = await failureOf('partial_notx');
  expect(error.details.join('\n')).toContain('statement 2 of 2 failed; statements 1-1 were applied (no transaction).');
  expect(error.hint).not.toMatch(/nothing/);
  expect(error.hint).toMatch(/statements before the failing one took effect.*devup migrate repair/);
});

it('a server that goes away during a transactional migration: a user error saying none of it was kept', async () => {
  ws = createWorkspace({ 'm/0001_slow.sql': 'create table slow (a int);\nselect pg_sleep(60);' });
  const victim = await connect(db);
  try {
    const [error] = await Promise.all([failureOf('killed_tx', victim), terminateWhenRunning(victim, 'pg_sleep(60)')]);
    expect(error).toBeInstanceOf(UserError);
    expect(error.hint).toMatch(/connection to Postgres was lost .* none of it was kept/);
    expect(error.hint).not.toMatch(/Fix the SQL/);
  } finally {
    await victim.end().catch(() => {});
  }
  expect((await readHistory(client, 'killed_tx')).filter((r) => r.success)).toEqual([]);
});

it('a server that goes away during a no-transaction migration: a user error saying it may be partly applied', async () => {
  ws = createWorkspace({
    'm/0001_slow.sql': '-- devup:no-transaction\ncreate table slow (a int);\nselect pg_sleep(60);',
  });
  const victim = await connect(db);
  try {
    const [error] = await Promise.all([failureOf('killed_notx', victim), terminateWhenRunning(victim, 'pg_sleep(60)')]);
    expect(error.hint).toMatch(/connection to Postgres was lost .* statements before the failing one took effect/);
  } finally {
    await victim.end().catch(() => {});
  }
  // The next run stops at the half-applied file instead of guessing.
  const rerun = await failureOf('killed_notx');
  expect(rerun.message).toMatch(/0001_slow was interrupted|0001_slow failed at statement 2/);
});

it('a connection already killed between queries is a user error, not a bug', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  const victim = await connect(db);
  const pid = (victim as unknown as { processID: number }).processID;
  const gone = new Promise((resolve) => victim.once('end', resolve));
  await client.query('select pg_terminate_backend($1)', [pid]);
  await gone;
  try {
    const error = await failureOf('killed_idle', victim);
    expect(error.message).toMatch(/^lost the connection to Postgres in schema killed_idle/);
    expect(error.hint).toMatch(/Start the server/);
  } finally {
    await victim.end().catch(() => {});
  }
});
