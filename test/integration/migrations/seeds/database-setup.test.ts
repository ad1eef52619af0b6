import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../../src/config/types.js';
import { type ConnectionInfo, withClient } from '../../../../src/database/connection/connection.js';
import { UserError } from '../../../../src/errors.js';
import { runMigrationStep, type StepEvent } from '../../../../src/migrations/step/migration-step.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { createTestDatabase } from '../../helpers/database.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let ws: Workspace;
let config: ResolvedConfig;

const tenants = ['t1', 't2', 't3', 't4'];

beforeAll(async () => {
  db = await createTestDatabase();
  // What the report's repo did: each tenant's first migration asks for uuid-ossp (a database-wide
  // object) and uses it at once.
  ws = createWorkspace({
    'auth/migrations/0001_users.sql':
      'create extension if not exists "uuid-ossp";\ncreate table users (id uuid primary key default uuid_generate_v4(), name text);\n',
    'db/init.sql':
      'create table public.init_runs (at timestamptz default now());\ninsert into public.init_runs default values;\n',
  });
  config = ws.config({
    project: 'setup',
    database: { extensions: ['uuid-ossp'], init: 'db/init.sql' },
    services: { auth: { cwd: 'auth', migrations: { dir: 'migrations', tenants, schema: 'auth_{tenant}' } } },
  });
});

afterAll(async () => {
  await db?.drop();
  ws?.cleanup();
});

const query = <T>(sql: string) => withClient(db, async (c) => (await c.query(sql)).rows as T[]);

it('creates the extensions in public and runs init once, before any migration; every tenant then works', async () => {
  const events: StepEvent[] = [];
  const first = await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
  expect(first.failure).toBeUndefined();
  expect(first.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
  const setup = events.findIndex((e) => e.type === 'database-setup');
  expect(events[setup]).toEqual({
    type: 'database-setup',
    database: db.database,
    done: ['extension uuid-ossp (in public)', 'init db/init.sql'],
    warnings: [],
  });
  expect(setup).toBeLessThan(events.findIndex((e) => e.type === 'target-start'));
  expect(
    await query(
      "select e.extname, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where extname = 'uuid-ossp'",
    ),
  ).toEqual([{ extname: 'uuid-ossp', nspname: 'public' }]);
  for (const tenant of tenants) {
    const rows = await query<{ id: string }>(`insert into auth_${tenant}.users (name) values ('x') returning id`);
    expect(rows[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
  }

  const again: StepEvent[] = [];
  await runMigrationStep(config, db, { onEvent: (e) => again.push(e) });
  expect(again.some((e) => e.type === 'database-setup')).toBe(false);
  expect(await query('select count(*)::int as n from public.init_runs')).toEqual([{ n: 1 }]);

  // An edited init file does not run again in this database, and devup says so instead of keeping quiet.
  ws.write('db/init.sql', 'create table public.init_runs (at timestamptz default now(), note text);\n');
  const edited: StepEvent[] = [];
  await runMigrationStep(config, db, { onEvent: (e) => edited.push(e) });
  expect(edited.find((e) => e.type === 'database-setup')).toEqual({
    type: 'database-setup',
    database: db.database,
    done: [],
    warnings: [
      'database.init file db/init.sql changed since it ran on this server; it runs once (`devup reset` runs it again)',
    ],
  });
  expect(await query('select count(*)::int as n from public.init_runs')).toEqual([{ n: 1 }]);
});

it('runs the first tenant of a service alone, then the others', async () => {
  ws.write('auth/migrations/0002_note.sql', 'alter table users add column note text;\n');
  const events: StepEvent[] = [];
  await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
  const order = events
    .filter((e) => e.type === 'target-start' || e.type === 'target-done')
    .map((e) => `${e.type === 'target-start' ? 'start' : 'done'} ${'target' in e ? e.target.tenant : ''}`);
  expect(order.slice(0, 2)).toEqual(['start t1', 'done t1']);
  expect(order).toHaveLength(8);
});

it('names the extension and the way out when the server has no such extension', async () => {
  const broken = ws.config({
    project: 'setup',
    database: { extensions: ['no_such_extension_devup'] },
    services: { auth: { cwd: 'auth', migrations: { dir: 'migrations', tenants, schema: 'auth_{tenant}' } } },
  });
  const error = await runMigrationStep(broken, db).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toBe(
    'cannot create the extension "no_such_extension_devup" (database.extensions)',
  );
  expect((error as UserError).hint).toContain('install its package on the server');
});
