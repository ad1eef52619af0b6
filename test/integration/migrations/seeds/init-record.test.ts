import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseSetup } from '../../../../src/config/types.js';
import { type ConnectionInfo, connect } from '../../../../src/database/connection/connection.js';
import { applyDatabaseSetup } from '../../../../src/migrations/seeds/database-setup.js';
import { checksumSql } from '../../../../src/migrations/sql/checksum.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { createTestDatabase } from '../../helpers/database.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let client: pg.Client;
let ws: Workspace;
let setup: DatabaseSetup;

// The init file counts its own runs outside public, which the migrations below take away.
const INIT =
  'create schema if not exists init_log;\ncreate table if not exists init_log.runs (n int);\ninsert into init_log.runs values (1);\n';

beforeAll(async () => {
  db = await createTestDatabase();
  client = await connect(db);
  ws = createWorkspace({ 'db/init.sql': INIT });
  setup = { extensions: [], init: [`${ws.dir}/db/init.sql`] };
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
  ws?.cleanup();
});

const runs = async () => Number((await client.query('select count(*) as n from init_log.runs')).rows[0]?.n);

it('database.init runs once even after a migration drops and recreates public, and does not crash without public', async () => {
  expect((await applyDatabaseSetup(client, setup, ws.dir, db)).done).toEqual(['init db/init.sql']);
  expect(await runs()).toBe(1);

  await client.query('drop schema public cascade; create schema public');
  expect(await applyDatabaseSetup(client, setup, ws.dir, db)).toEqual({ done: [], warnings: [] });
  expect(await runs()).toBe(1);

  await client.query('drop schema public cascade');
  expect(await applyDatabaseSetup(client, setup, ws.dir, db)).toEqual({ done: [], warnings: [] });
  expect(await runs()).toBe(1);
  await client.query('create schema public');
});

it('a database recorded by an older devup (public.devup_database_init) keeps its record, moved where migrations leave it', async () => {
  await client.query('drop schema if exists _devup cascade; truncate init_log.runs');
  await client.query(
    'create table public.devup_database_init (file text primary key, checksum text not null, applied_at timestamptz not null default now())',
  );
  await client.query('insert into public.devup_database_init (file, checksum) values ($1, $2)', [
    'db/init.sql',
    checksumSql(INIT),
  ]);
  expect(await applyDatabaseSetup(client, setup, ws.dir, db)).toEqual({ done: [], warnings: [] });
  expect(await runs()).toBe(0);
  expect((await client.query("select to_regclass('public.devup_database_init') as t")).rows).toEqual([{ t: null }]);

  await client.query('drop schema public cascade; create schema public');
  expect(await applyDatabaseSetup(client, setup, ws.dir, db)).toEqual({ done: [], warnings: [] });
  expect(await runs()).toBe(0);
});
