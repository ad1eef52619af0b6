import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { connectionUrl, withClient } from '../../../src/database/connection/connection.js';
import { UserError } from '../../../src/errors.js';
import { buildSchemaDocs } from '../../../src/schema/build-schema.js';
import { isCI } from '../../../src/ui/output.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { testServer } from '../helpers/database.js';
import { alembicAvailable, copyFixture, SYSTEM_PYTHON } from '../tools/tool-fixtures.js';

const workspaces: Workspace[] = [];
afterAll(() => {
  for (const ws of workspaces) ws.cleanup();
});

function workspace(services: Record<string, unknown>, files: Record<string, string> = {}, fixture?: string) {
  const ws = createWorkspace(files);
  workspaces.push(ws);
  if (fixture) copyFixture(fixture, path.join(ws.dir, 'billing'));
  const config = ws.config({
    project: 'schema-build',
    database: { engine: 'external', url: connectionUrl(testServer()) },
    services,
  });
  return { ws, config };
}

async function throwawayDatabases(): Promise<string[]> {
  const { rows } = await withClient({ ...testServer(), database: 'postgres' }, (c) =>
    c.query<{ datname: string }>("select datname from pg_database where datname like 'devup_throwaway_%'"),
  );
  return rows.map((r) => r.datname);
}

it.skipIf(!alembicAvailable() && !isCI())(
  'builds from zero on a throwaway database: an external tool, a service database, tenants from a query',
  async () => {
    const before = await throwawayDatabases();
    const { config } = workspace(
      {
        billing: {
          cwd: 'billing',
          migrations: {
            tool: 'alembic',
            command: [SYSTEM_PYTHON, '-m', 'alembic', 'upgrade', 'head'],
            tenants: ['acme', 'globex'],
            schema: 'billing_{tenant}',
          },
        },
        // Tenants from a query have nothing to ask on an empty database: one stands for all.
        shop: { database: 'shop', migrations: { dir: 'shop', tenants: { query: 'select name from tenants' } } },
      },
      { 'shop/0001_orders.sql': 'create table orders (id bigint primary key, total numeric not null);' },
      'alembic',
    );
    const built = await buildSchemaDocs(config, { engine: 'external' });
    expect([...built.files.keys()]).toEqual(['billing.sql', 'billing.md', 'shop.sql', 'shop.md', 'README.md']);
    expect(built.services).toBe(2);
    const billing = built.files.get('billing.sql')!;
    expect(billing).toContain('CREATE TABLE ${schema}.accounts (');
    expect(billing).toContain('CREATE TABLE ${schema}.invoices (');
    expect(billing).not.toContain('alembic_version');
    expect(billing).not.toMatch(/billing_acme|billing_globex/);
    expect(built.files.get('shop.sql')).toContain('CREATE TABLE ${schema}.orders (');
    expect(await throwawayDatabases()).toEqual(before);
  },
);

it('a failing migration fails the build with its file, and the throwaway is removed', async () => {
  const before = await throwawayDatabases();
  const { config } = workspace(
    { shop: { migrations: { dir: 'shop' } } },
    { 'shop/0001_broken.sql': 'create table orders (id bigint primary key);\nselect nosuchcolumn from orders;' },
  );
  const error = await buildSchemaDocs(config, { engine: 'external' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toContain('0001_broken');
  expect(await throwawayDatabases()).toEqual(before);
});
