import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../../src/database/connection/connection.js';
import { historyTable } from '../../../src/migrations/sql/history.js';
import { runMigrationStep } from '../../../src/migrations/step/migration-step.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

// The warm check reads every tenant's history in one query (cut out of query_to_xml's XML by
// hand): whatever differs in one schema among many must still be seen, in that schema only.
let db: ConnectionInfo;
let client: pg.Client;
let ws: Workspace;
withTestDatabase((created, connection) => {
  db = created;
  client = connection;
});
afterEach(() => ws?.cleanup());

const tenants = Array.from({ length: 12 }, (_, i) => `t${i + 1}`);

function setUp() {
  ws = createWorkspace({
    'api/migrations/0001_notes.sql': "create table notes (id int primary key, body text default 'a & b < c');",
    'api/migrations/0002_index.sql': 'create index notes_body on notes (body);',
  });
  return ws.config({
    database: { engine: 'external', url: 'postgresql://unused@localhost/x' },
    services: { api: { cwd: 'api', migrations: { dir: 'migrations', tenants } } },
  });
}

it('finds drift in the one tenant whose history differs, and an edited file in every tenant', async () => {
  const config = setUp();
  expect((await runMigrationStep(config, db)).failure).toBeUndefined();
  const warm = await runMigrationStep(config, db);
  expect(warm.failure).toBeUndefined();
  expect(warm.outcomes.map((o) => o.status)).toEqual(tenants.map(() => 'up-to-date'));

  // Another checksum recorded in one schema of twelve: that schema, and only it, is refused.
  await client.query(`update ${historyTable('api_t7')} set checksum = 'tampered' where version = 2`);
  const one = await runMigrationStep(config, db);
  expect((one.failure as Error).message).toBe('api_t7: an applied migration was changed since it ran');
  expect(one.outcomes.filter((o) => o.status === 'failed').map((o) => o.target.schema)).toEqual(['api_t7']);

  // The file itself edited: every tenant is refused.
  ws.write('api/migrations/0001_notes.sql', "create table notes (id int primary key, body text default 'a & b > c');");
  const all = await runMigrationStep(config, db);
  expect(all.outcomes.map((o) => o.status)).toEqual(tenants.map(() => 'failed'));
});
