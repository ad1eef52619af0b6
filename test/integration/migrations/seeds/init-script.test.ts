import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionInfo, withClient } from '../../../../src/database/connection/connection.js';
import { UserError } from '../../../../src/errors.js';
import { runMigrationStep, type StepEvent } from '../../../../src/migrations/step/migration-step.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { createTestDatabase } from '../../helpers/database.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let ws: Workspace;
const suffix = randomBytes(4).toString('hex');
const auth = `init_auth_${suffix}`;
const workflow = `init_workflow_${suffix}`;

/** Names of the databases of this file that exist on the server. */
const existing = () =>
  withClient({ ...db, database: 'postgres' }, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'select datname from pg_database where datname like $1 order by 1',
      [`init\\_%\\_${suffix}`],
    );
    return rows.map((r) => r.datname);
  });
const query = <T>(database: string, sql: string) =>
  withClient({ ...db, database }, async (c) => (await c.query(sql)).rows as T[]);

beforeAll(async () => {
  db = await createTestDatabase();
  ws = createWorkspace({
    'auth/migrations/0001_users.sql': 'create table users (id uuid primary key default uuid_generate_v4());\n',
    'workflow/migrations/0001_flows.sql': 'create table flows (id int);\n',
    // As written for the Postgres image's docker-entrypoint-initdb.d, run there by psql.
    'db/init.sql': [
      '\\set ON_ERROR_STOP on',
      `CREATE DATABASE ${auth};`,
      `CREATE DATABASE ${workflow};`,
      `\\c ${auth}`,
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
      `\\connect ${workflow}`,
      'CREATE TABLE public.init_marker (at timestamptz default now());',
      'INSERT INTO public.init_marker DEFAULT VALUES;',
      '',
    ].join('\n'),
  });
});

afterAll(async () => {
  await withClient({ ...db, database: 'postgres' }, async (c) => {
    for (const name of [auth, workflow, `init_broken_${suffix}`]) await c.query(`drop database if exists ${name}`);
  });
  await db?.drop();
  ws?.cleanup();
});

const services = {
  auth: { cwd: 'auth', database: auth, migrations: { dir: 'migrations', tenants: ['acme'], schema: 'auth_{tenant}' } },
  workflow: { cwd: 'workflow', database: workflow, migrations: { dir: 'migrations' } },
};

describe('database.init as the Postgres image runs it', () => {
  it('runs CREATE DATABASE outside a transaction, follows \\c, then migrates the databases it made', async () => {
    const config = ws.config({ project: 'init', database: { init: 'db/init.sql' }, services });
    const events: StepEvent[] = [];
    const first = await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
    expect(first.failure).toBeUndefined();
    expect(events.filter((e) => e.type === 'database-setup')).toEqual([
      { type: 'database-setup', database: db.database, done: ['init db/init.sql'], warnings: [] },
    ]);
    expect(await existing()).toEqual([auth, workflow]);
    expect(await query(auth, "select extname from pg_extension where extname = 'uuid-ossp'")).toEqual([
      { extname: 'uuid-ossp' },
    ]);
    expect(await query(workflow, 'select count(*)::int as n from public.init_marker')).toEqual([{ n: 1 }]);
    expect(first.outcomes.map((o) => `${o.target.schema}: ${o.status}`)).toEqual([
      'auth_acme: applied',
      'workflow_default: applied',
    ]);
    // Once per cluster, recorded in the main database.
    expect(await query(db.database, 'select file from _devup.database_init')).toEqual([{ file: 'db/init.sql' }]);
    const again: StepEvent[] = [];
    await runMigrationStep(config, db, { onEvent: (e) => again.push(e) });
    expect(again.some((e) => e.type === 'database-setup')).toBe(false);
    expect(await query(workflow, 'select count(*)::int as n from public.init_marker')).toEqual([{ n: 1 }]);
  });

  it('names the line that failed, drops the database it created and names what it kept', async () => {
    const broken = `init_broken_${suffix}`;
    ws.write(
      'db/broken.sql',
      `CREATE TABLE public.init_kept (x int);\nCREATE DATABASE ${broken};\n\\c ${broken}\nCREATE TABLE t (id int);\nCREATE TABLE t (id int);\n`,
    );
    const config = ws.config({ project: 'init', database: { init: ['db/init.sql', 'db/broken.sql'] }, services });
    const error = await runMigrationStep(config, db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`database.init file db/broken.sql failed in database "${broken}"`);
    expect((error as UserError).details?.join('\n')).toMatch(/> 5 \| CREATE TABLE t \(id int\);[\s\S]*42P07/);
    expect((error as UserError).hint).toBe(
      `Fix the file; it runs again from the top before the next migration. Already committed (before a \\c, or outside a transaction): line 1 in database "${db.database}": undo that first, or write those statements so that they can run twice (IF NOT EXISTS). The databases it created (${broken}) were dropped again.`,
    );
    expect(await existing()).toEqual([auth, workflow]);

    // Without the statement it kept, the file's statements are one transaction after CREATE DATABASE: nothing stays.
    await query(db.database, 'drop table public.init_kept');
    ws.write(
      'db/broken.sql',
      `CREATE DATABASE ${broken};\n\\c ${broken}\nCREATE TABLE t (id int);\nCREATE TABLE t (id int);\n`,
    );
    await expect(runMigrationStep(config, db)).rejects.toMatchObject({
      hint: `Fix the file; nothing of it was kept, and it runs again before the next migration. The databases it created (${broken}) were dropped again.`,
    });
    expect(await existing()).toEqual([auth, workflow]);
  });

  it('runs before the services databases are created with --skip-migrations too, so a later migrate works', async () => {
    const fresh = await createTestDatabase();
    try {
      const skipped = `init_skip_${suffix}`;
      ws.write(
        'db/skip.sql',
        `CREATE DATABASE ${skipped};\n\\c ${skipped}\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n`,
      );
      const config = ws.config({
        project: 'init-skip',
        database: { init: 'db/skip.sql' },
        services: { auth: { ...services.auth, database: skipped } },
      });
      const checked = await runMigrationStep(config, fresh, { checkOnly: true });
      expect(checked.outcomes.map((o) => o.status)).toEqual(['pending']);
      const migrated = await runMigrationStep(config, fresh);
      expect(migrated.failure).toBeUndefined();
      expect(migrated.outcomes.map((o) => o.status)).toEqual(['applied']);
    } finally {
      await withClient({ ...db, database: 'postgres' }, (c) => c.query(`drop database if exists init_skip_${suffix}`));
      await fresh.drop();
    }
  });

  it('names the file and line of a psql meta-command devup does not run, and runs nothing of the file', async () => {
    ws.write('db/copy.sql', 'CREATE TABLE public.loaded (x int);\n\\copy public.loaded from data.csv\n');
    const config = ws.config({ project: 'init', database: { init: ['db/init.sql', 'db/copy.sql'] }, services });
    await expect(runMigrationStep(config, db)).rejects.toThrow(
      "db/copy.sql:2: psql's \\copy is not something devup runs (database.init)",
    );
    expect(await query(db.database, "select to_regclass('public.loaded') is null as absent")).toEqual([
      { absent: true },
    ]);
  });
});
