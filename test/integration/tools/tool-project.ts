import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { ResolvedConfig, ServiceSettings } from '../../../src/config/types.js';
import { type ConnectionInfo, connect } from '../../../src/database/connection/connection.js';
import type { TargetBase } from '../../../src/migrations/targets.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { copyFixture, countingWrapper, dbmateBinary, REPO, SYSTEM_PYTHON, targetsOf } from './tool-fixtures.js';

/** What a tool test file works on: a fresh database, a connection to it, a project and its service's targets. */
export interface ToolProject {
  db: ConnectionInfo & { drop(): Promise<void> };
  client: pg.Client;
  ws: Workspace;
  config: ResolvedConfig;
  service: ServiceSettings;
  targets: TargetBase[];
}

/** A project of one service, in the workspace directory of its name. */
export interface OneServiceProject {
  project: string;
  service: string;
  /** The service's own database, when it is not the main one. */
  database?: string;
  migrations: Record<string, unknown>;
}

/**
 * Makes a ToolProject before the file's first test and removes it after the last. `prepare`
 * fills the workspace and describes the project; `use` receives it once its targets are known
 * (and may run the tool once, for tests that start migrated).
 */
export function withToolProject(
  prepare: (ws: Workspace) => OneServiceProject,
  use: (project: ToolProject) => unknown,
): void {
  let made: Partial<ToolProject> = {};
  beforeAll(async () => {
    const db = await createTestDatabase();
    made = { db };
    const client = await connect(db);
    const ws = createWorkspace();
    made = { db, client, ws };
    const { project, service, database, migrations } = prepare(ws);
    const config = ws.config({
      project,
      services: { [service]: { cwd: service, ...(database === undefined ? {} : { database }), migrations } },
    });
    await use({ db, client, ws, config, ...(await targetsOf(config, client, service)) });
  });
  afterAll(async () => {
    await made.client?.end();
    await made.db?.drop();
    made.ws?.cleanup();
  });
}

/** test/fixtures/alembic as the service directory `billing`, with Debian's alembic behind a counting wrapper in `wrapperDir`. */
export function alembicFixture(ws: Workspace, wrapperDir: string): ReturnType<typeof countingWrapper> {
  copyFixture('alembic', path.join(ws.dir, 'billing'));
  return countingWrapper(path.join(ws.dir, wrapperDir), 'alembic', [SYSTEM_PYTHON, '-m', 'alembic']);
}

/** test/fixtures/dbmate as the service directory `ingest`, with dbmate behind a counting wrapper in bin/. */
export function dbmateFixture(ws: Workspace): ReturnType<typeof countingWrapper> {
  const binary = dbmateBinary();
  copyFixture('dbmate', path.join(ws.dir, 'ingest'));
  return countingWrapper(path.join(ws.dir, 'bin'), 'dbmate', [binary]);
}

// A home-made migrator: runs every sql/*.sql on DATABASE_URL, counting its starts; a file that
// starts with `-- slow` takes 30 s (client side, so no server backend outlives a test).
const MIGRATE = `
const fs = require('node:fs');
const path = require('node:path');
const pg = require(${JSON.stringify(path.join(REPO, 'node_modules', 'pg'))});
fs.appendFileSync(path.join(__dirname, '..', '..', 'runs.count'), 'run\\n');
(async () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  for (const file of fs.readdirSync('sql').sort()) {
    console.log('applying ' + file + ' to ' + process.env.DEVUP_SCHEMA);
    const sql = fs.readFileSync(path.join('sql', file), 'utf8');
    // A migration that takes its time (client side, so no server backend outlives the test).
    if (sql.startsWith('-- slow')) await new Promise((resolve) => setTimeout(resolve, 30000));
    await client.query(sql);
  }
  await client.end();
})().catch((error) => { console.error(error.message); process.exit(1); });
`;

/**
 * The service directory `reports` with the home-made migrator (scripts/migrate.cjs, for
 * `tool: 'command'`) and one migration, sql/001_reports.sql; `runs()` counts the migrator's starts.
 */
export function commandMigrator(ws: Workspace): { runs(): number } {
  ws.write('reports/scripts/migrate.cjs', MIGRATE);
  ws.write('reports/sql/001_reports.sql', 'create table if not exists reports (id int primary key);');
  const counter = path.join(ws.dir, 'runs.count');
  return {
    runs: () => (existsSync(counter) ? readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}
