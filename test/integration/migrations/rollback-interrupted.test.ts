import { spawn } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import { afterEach, expect, it, vi } from 'vitest';
import migrateStatus from '../../../src/cli/migrate-status.js';
import { type ConnectionInfo, connect, connectionUrl } from '../../../src/database/connection/connection.js';
import { applyTarget } from '../../../src/migrations/sql/apply.js';
import { readHistory } from '../../../src/migrations/sql/history.js';
import { planTarget } from '../../../src/migrations/sql/plan.js';
import { checkPlanSafety } from '../../../src/migrations/sql/plan-safety.js';
import { planRepair } from '../../../src/migrations/sql/repair.js';
import { rollbackPreview, rollbackTarget } from '../../../src/migrations/sql/rollback.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';
import { sqlTarget } from '../helpers/sql-target.js';

// The fixture runs the built devup (dist): `npm run build` first.
const fixture = path.resolve(import.meta.dirname, '../../fixtures/rollback-target.mjs');
let db: ConnectionInfo & { drop(): Promise<void> };
let admin: pg.Client;
let ws: Workspace;

withTestDatabase((created, connection) => {
  db = created;
  admin = connection;
});
afterEach(() => ws?.cleanup());

it('kill -9 during a no-transaction down: the history says the rollback did not finish, and `migrate down` finishes it', async () => {
  ws = createWorkspace({
    'm/0001_base.up.sql': 'create table base (id int);',
    'm/0002_pair.up.sql': 'create table first (id int);\ncreate table second (id int);',
    'm/0002_pair.down.sql': '-- devup:no-transaction\ndrop table if exists first;\ndrop table if exists second;\n',
  });
  const schema = 'killed_default';
  const client = await connect(db);
  const holder = await connect(db);
  try {
    await applyTarget(client, sqlTarget(`${ws.dir}/m`, schema));
    // The down's second statement waits on this lock: an observable point between its statements.
    await holder.query(`begin; lock table ${schema}.second in access exclusive mode`);
    const child = spawn(process.execPath, [fixture, connectionUrl(db), `${ws.dir}/m`, schema], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const waiting = async () => {
      const { rows } = await admin.query<{ pid: number }>(
        `select pid from pg_locks where not granted and relation = to_regclass($1)
            and database = (select oid from pg_database where datname = current_database())`,
        [`${schema}.second`],
      );
      expect(rows).toHaveLength(1);
      return rows[0]?.pid as number;
    };
    const backend = await vi.waitFor(waiting, { timeout: 60_000, interval: 25 });
    child.kill('SIGKILL');
    await exited;
    // The server ends a dead client's session on its own (client_connection_check_interval); doing
    // it here keeps the test free of that timing.
    await admin.query('select pg_terminate_backend($1)', [backend]);
    await vi.waitFor(
      async () =>
        expect((await admin.query('select 1 from pg_stat_activity where pid = $1', [backend])).rowCount).toBe(0),
      { timeout: 60_000, interval: 25 },
    );
    await holder.query('rollback');

    // Half rolled back: `first` is gone, `second` is not. The history must not call it applied.
    const tables = await admin.query<{ t: string }>(
      `select tablename as t from pg_tables where schemaname = $1 order by 1`,
      [schema],
    );
    expect(tables.rows.map((r) => r.t)).toEqual(['base', 'devup_migrations', 'second']);
    const row = (await readHistory(admin, schema)).find((r) => r.version === 2n);
    expect(row).toMatchObject({ success: false, transactional: false });
    expect(row?.error).toMatch(/^rollback did not finish: started at .* by pid \d+$/);

    const plan = planTarget(sqlTarget(`${ws.dir}/m`, schema).migrations, await readHistory(admin, schema));
    expect(plan.applied.map((a) => a.row.name)).toEqual(['0001_base']);
    expect(() => checkPlanSafety(sqlTarget(`${ws.dir}/m`, schema), plan, {})).toThrow(
      /the rollback of 0002_pair did not complete .* may be partly rolled back/,
    );
    // `migrate status` says so.
    const config = ws.config({
      database: { engine: 'external', url: connectionUrl(db) },
      services: { killed: { migrations: { dir: 'm' } } },
    });
    const lines: string[] = [];
    const ctx = commandContext(config, lines);
    expect(await migrateStatus(ctx, {})).toBe(0);
    expect(lines.join('')).toMatch(/✗ 0002_pair +rollback did not finish: started at /);
    expect(planRepair(plan)[0]?.description).toMatch(/forget the unfinished rollback of 0002_pair/);
    expect(rollbackPreview(plan, { steps: 1 })).toEqual([
      { name: '0002_pair', version: 2n, note: 'its rollback did not finish: it runs again' },
    ]);

    // Running the down again (it is safe to re-run) completes it and forgets the row.
    expect(await rollbackTarget(client, sqlTarget(`${ws.dir}/m`, schema), { steps: 1 })).toEqual(['0002_pair']);
    expect((await readHistory(admin, schema)).map((r) => r.name)).toEqual(['0001_base']);
  } finally {
    await holder.end();
    await client.end();
  }
});

it('a no-transaction down that fails leaves the migration marked as partly rolled back, with the statement', async () => {
  ws = createWorkspace({
    'm/0001_a.up.sql': 'create table a (id int);',
    'm/0001_a.down.sql': '-- devup:no-transaction\ndrop table a;\ndrop table no_such_table;\n',
  });
  const client = await connect(db);
  try {
    await applyTarget(client, sqlTarget(`${ws.dir}/m`, 'rb_fail'));
    await expect(rollbackTarget(client, sqlTarget(`${ws.dir}/m`, 'rb_fail'), { steps: 1 })).rejects.toThrow(
      /rolling back 0001_a failed/,
    );
    const [row] = await readHistory(admin, 'rb_fail');
    expect(row).toMatchObject({ success: false, transactional: false, statement: 2 });
    expect(row?.error).toMatch(/^rollback failed: 42P01: /);
  } finally {
    await client.end();
  }
});
