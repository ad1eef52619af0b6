import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import reset from '../../../src/cli/reset.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { REPO } from '../tools/tool-fixtures.js';

// A home-made migrator: applies sql/*.sql on DATABASE_URL and counts its starts.
const MIGRATE = `
const fs = require('node:fs');
const path = require('node:path');
const pg = require(${JSON.stringify(path.join(REPO, 'node_modules', 'pg'))});
fs.appendFileSync(path.join(__dirname, '..', '..', 'runs.count'), 'run\\n');
(async () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  for (const file of fs.readdirSync('sql').sort()) await client.query(fs.readFileSync(path.join('sql', file), 'utf8'));
  await client.end();
})().catch((error) => { console.error(error.message); process.exit(1); });
`;

let db: ConnectionInfo & { drop(): Promise<void> };
let ws: Workspace;
let config: ResolvedConfig;

beforeAll(async () => {
  db = await createTestDatabase();
  ws = createWorkspace({
    'reports/scripts/migrate.cjs': MIGRATE,
    'reports/sql/001_reports.sql': 'create table if not exists reports (id int primary key);',
  });
  config = ws.config({
    project: `tpl-tools-${db.database}`,
    database: { engine: 'external', url: connectionUrl(db) },
    services: {
      reports: {
        cwd: 'reports',
        migrations: {
          tool: 'command',
          command: ['node', 'scripts/migrate.cjs'],
          dir: 'sql',
          schema: 'reports_{tenant}',
        },
      },
    },
  });
});

afterAll(async () => {
  await db?.drop();
  ws?.cleanup();
});

const runs = () =>
  existsSync(path.join(ws.dir, 'runs.count'))
    ? readFileSync(path.join(ws.dir, 'runs.count'), 'utf8').split('\n').filter(Boolean).length
    : 0;

async function resetAll(): Promise<string> {
  const lines: string[] = [];
  expect(await reset(commandContext(config, lines, 'external'), { yes: true, start: false }), lines.join('')).toBe(0);
  return lines.join('');
}

it('a database restored from its template does not spawn its external tool again', async () => {
  const full = await resetAll();
  expect(full).toMatch(/Full rebuild through the migrations: no template yet/);
  expect(runs()).toBe(1);
  const restored = await resetAll();
  expect(restored).toMatch(/Reset from the template/);
  expect(restored).toMatch(/reports_default already up-to-date/);
  expect(runs()).toBe(1);
  // A changed file still reaches the tool: the full path, which runs it.
  ws.write('reports/sql/002_more.sql', 'create table if not exists more (id int);');
  const rebuilt = await resetAll();
  expect(rebuilt).toMatch(/the migrations of reports changed since the template/);
  expect(runs()).toBe(2);
});
