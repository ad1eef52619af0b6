import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { applyTarget, type SqlTarget } from '../../../src/migrations/apply.js';
import { discoverMigrations } from '../../../src/migrations/discover.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let client: pg.Client;
let ws: Workspace;
withTestDatabase((_db, connection) => {
  client = connection;
});
afterEach(() => ws?.cleanup());

function target(schema: string): SqlTarget {
  return {
    service: 'svc',
    tenant: 'default',
    schema,
    database: undefined,
    migrations: discoverMigrations(`${ws.dir}/m`),
  };
}

async function failureOf(schema: string): Promise<UserError> {
  const error = await applyTarget(client, target(schema)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
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
