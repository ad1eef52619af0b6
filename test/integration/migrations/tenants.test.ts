import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { collectTargets } from '../../../src/migrations/targets.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let client: pg.Client;
let ws: Workspace;
withTestDatabase((_db, connection) => {
  client = connection;
});
afterEach(() => ws?.cleanup());

async function collectError(services: Record<string, unknown>): Promise<UserError> {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  const config = ws.config({ services });
  const error = await collectTargets(config, { query: (sql) => client.query(sql) }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

it('a tenant from a query whose schema name would pass 63 bytes is refused, not truncated by Postgres', async () => {
  const long = 'a'.repeat(60);
  const error = await collectError({
    api: { migrations: { dir: 'm', tenants: { query: `select '${long}_one' union all select '${long}_two'` } } },
  });
  expect(error.message).toBe('services.api.migrations.tenants returned tenants devup cannot migrate:');
  expect(error.details.join('\n')).toContain(`"api_${long}_one" (tenant "${long}_one") is not a valid schema name`);
});

it('a NULL row from the tenant query is refused, not migrated as tenant "null"', async () => {
  const error = await collectError({
    api: { migrations: { dir: 'm', tenants: { query: `select name from (values ('acme'), (null)) t(name)` } } },
  });
  expect(error.message).toBe('services.api.migrations.tenants.query returned NULL in row 2');
});

it('a tenant query of two statements is refused by its key, not crashed on', async () => {
  const error = await collectError({
    api: { migrations: { dir: 'm', tenants: { query: `select 'acme'; select 'globex'` } } },
  });
  expect(error.message).toBe('services.api.migrations.tenants.query runs 2 statements: it must be one query');
  expect(error.hint).toBe('Return every tenant from one select (union all joins two lists).');
});

it('a tenant query that returns no column is refused, not read as no tenants', async () => {
  const error = await collectError({
    api: { migrations: { dir: 'm', tenants: { query: `set search_path = public` } } },
  });
  expect(error.message).toBe('services.api.migrations.tenants.query returns no column: it must select tenant names');
});

it('a tenant returned twice is refused', async () => {
  const error = await collectError({
    api: { migrations: { dir: 'm', tenants: { query: `select 'acme' union all select 'acme'` } } },
  });
  expect(error.details.join('\n')).toContain('"acme" is returned twice');
});

it('two services whose query tenants render one schema are refused: they would share one history table', async () => {
  const migrations = { dir: 'm', schema: 'shared_{tenant}', tenants: { query: `select 'acme'` } };
  const error = await collectError({ api: { migrations }, worker: { migrations } });
  expect(error.message).toBe('services.worker and services.api both migrate schema "shared_acme" (tenant "acme")');
});

it('valid query tenants still resolve to one target each', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  const config = ws.config({
    services: { api: { migrations: { dir: 'm', tenants: { query: `select 'acme' union all select 'globex'` } } } },
  });
  const [api] = await collectTargets(config, { query: (sql) => client.query(sql) });
  expect(api?.targets.map((t) => t.schema)).toEqual(['api_acme', 'api_globex']);
});
