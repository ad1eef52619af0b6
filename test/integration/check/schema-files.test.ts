import { afterEach, expect, it } from 'vitest';
import { runCheck } from '../../../src/check/run-check.js';
import { buildSchemaDocs } from '../../../src/schema/build-schema.js';
import { writeSchemaDocs } from '../../../src/schema/schema-files.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { result } from './check-result.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

it('step 5: committed schema files that match pass; a new migration fails with a unified diff and the way out', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.up.sql': 'create table orders (id bigint primary key);\n',
    'orders/migrations/0001_orders.down.sql': 'drop table orders;\n',
    'users/migrations/0001_users.sql': 'create table users (id bigint primary key);\n',
  });
  const config = ws.config({
    project: 'check-schema',
    services: {
      orders: { cwd: 'orders', migrations: { dir: 'migrations', tenants: ['acme', 'globex'] } },
      users: { cwd: 'users', migrations: { dir: 'migrations' } },
    },
  });
  const check = () => runCheck(config, { engine: 'embedded', schemaDocs: true });

  const without = await check();
  expect(result(without, 'orders', 'schema')).toMatchObject({
    status: 'skip',
    note: 'no docs/database/ (run `devup schema` to start one)',
  });

  const built = await buildSchemaDocs(config, { engine: 'embedded' });
  writeSchemaDocs(config.schema.dir, built.files);
  const current = await check();
  expect(result(current, 'orders', 'schema')).toMatchObject({ status: 'pass', note: 'docs/database/ is current' });
  expect(result(current, 'users', 'schema').status).toBe('pass');
  expect(current.ok).toBe(true);

  ws.write('orders/migrations/0002_note.up.sql', 'alter table orders add column note text;\n');
  ws.write('orders/migrations/0002_note.down.sql', 'alter table orders drop column note;\n');
  const stale = await check();
  const schema = result(stale, 'orders', 'schema');
  expect(schema.status).toBe('fail');
  const sql = schema.findings.find((f) => f.file?.endsWith('/docs/database/orders.sql'));
  expect(sql?.message).toBe('docs/database/orders.sql is out of date: run `devup schema` and commit the result');
  const diff = sql?.details?.join('\n') ?? '';
  expect(diff).toMatch(/--- a\/docs\/database\/orders\.sql\t\(committed\)/);
  expect(diff).toMatch(/\+\+\+ b\/docs\/database\/orders\.sql\t\(devup schema\)/);
  expect(diff).toMatch(/^ {2}\+.*note text/m);
  expect(result(stale, 'users', 'schema').status).toBe('pass');
  expect(stale.ok).toBe(false);

  // A README.md someone wrote by hand: `devup schema` would not replace it, so check does not say to run it.
  ws.write('docs/database/README.md', '# Notes\n');
  const foreign = (await check()).results.flatMap((r) => r.findings).find((f) => f.file?.endsWith('/README.md'));
  expect(foreign?.message).toBe(
    'docs/database/README.md was not written by devup, and `devup schema` leaves it alone: point schema.dir at a directory of its own, or move the file away',
  );
});
