import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type ConnectionInfo, withClient } from '../../../src/database/connection/connection.js';
import { readHistory } from '../../../src/migrations/sql/history.js';
import { runMigrationStep } from '../../../src/migrations/step/migration-step.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

// A deploy's role: owns its schemas, is neither superuser nor CREATEDB, and may not create schemas.
const role = `migrator_${randomBytes(3).toString('hex')}`;
let db: ConnectionInfo & { drop(): Promise<void> };
let admin: pg.Client;
let migrator: ConnectionInfo;
let ws: Workspace;

withTestDatabase((created, connection) => {
  db = created;
  admin = connection;
});
beforeAll(async () => {
  await admin.query(`create role ${role} login password 'migrator-pw' nosuperuser nocreatedb nocreaterole`);
  await admin.query(`create schema api_acme authorization ${role}; create schema api_globex authorization ${role}`);
  migrator = { ...db, user: role, password: 'migrator-pw' };
});
afterAll(async () => {
  await admin?.query(`drop schema if exists api_acme, api_globex cascade`);
  await admin?.query(`drop owned by ${role}; drop role if exists ${role}`).catch(() => {});
});
afterEach(() => ws?.cleanup());

function config(tenants: string[], extra: Record<string, unknown> = {}, database: Record<string, unknown> = {}) {
  ws = createWorkspace({
    'api/migrations/0001_notes.sql': 'create table notes (id int primary key);',
    'api/migrations/0002_index.sql': '-- devup:no-transaction\ncreate index concurrently notes_id on notes (id);',
  });
  return ws.config({
    database: { engine: 'external', url: 'postgresql://unused@localhost/x', ...database },
    services: { api: { cwd: 'api', migrations: { dir: 'migrations', tenants }, ...extra } },
  });
}

it('migrates schemas the role owns, without superuser or CREATEDB', async () => {
  const result = await runMigrationStep(config(['acme', 'globex']), migrator, { createDatabases: false });
  expect(result.failure).toBeUndefined();
  const history = await withClient(migrator, (c) => readHistory(c, 'api_acme'));
  expect(history.map((r) => [r.name, r.appliedBy])).toEqual([
    ['0001_notes', role],
    ['0002_index', role],
  ]);
});

it('names the privilege it lacks for a schema it may not create', async () => {
  const result = await runMigrationStep(config(['initech']), migrator, { createDatabases: false });
  const error = result.failure as Error & { hint?: string };
  expect(error.message).toBe(
    `api_initech: role "${role}" may not create schema "api_initech" in database "${db.database}" (it needs CREATE on the database)`,
  );
  expect(error.hint).toContain(`create schema "api_initech" authorization "${role}"`);
});

it('never creates a database on an external server unless the config says so', async () => {
  const missing = `devup_missing_${randomBytes(3).toString('hex')}`;
  await expect(
    runMigrationStep(config(['acme'], { database: missing }), migrator, { createDatabases: false }),
  ).rejects.toThrow(`database "${missing}" (services.api.database) does not exist on ${db.host}:${db.port}`);
  // Asked to, it tries, and names the missing privilege.
  await expect(
    runMigrationStep(config(['acme'], { database: missing }, { createDatabases: true }), migrator, {
      createDatabases: true,
    }),
  ).rejects.toThrow(
    `cannot create the database "${missing}" (a service's \`database\`): permission denied to create database`,
  );
  const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [missing]);
  expect(rowCount).toBe(0);
});
