import { existsSync } from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import migrateStatus from '../../../src/cli/migrate-status.js';
import status from '../../../src/cli/status.js';
import { type ConnectionInfo, connectionUrl, withClient } from '../../../src/database/connection/connection.js';
import { Output } from '../../../src/ui/output.js';
import { commandContext } from '../../helpers/command-context.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

it('status and migrate status create no database and no schema', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  const own = `${db.database}_own`;
  const config = ws.config({
    database: { engine: 'external', url: connectionUrl(db) },
    services: { api: { database: own, migrations: { dir: 'm' } }, web: { migrations: { dir: 'm' } } },
  });
  const lines: string[] = [];
  expect(await status(commandContext(config, lines))).toBe(0);
  expect(lines.join('')).toMatch(/api_default: 1 pending/);
  expect(await migrateStatus(commandContext(config, lines), {})).toBe(0);
  const exists = await withClient(db, async (c) => ({
    database: (await c.query('select 1 from pg_database where datname = $1', [own])).rowCount,
    schema: (await c.query("select 1 from pg_namespace where nspname = 'web_default'")).rowCount,
  }));
  expect(exists).toEqual({ database: 0, schema: 0 });
});

it('migrate status neither creates nor starts a cluster', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  const config = ws.config({
    database: { engine: 'embedded', port: await freePort(56100, 500) },
    services: { api: { migrations: { dir: 'm' } } },
  });
  const error = await migrateStatus(commandContext(config), {}).catch((e) => e);
  expect(error.message).toBe('Postgres (embedded) is not created yet: migrate status starts nothing');
  expect(existsSync(`${ws.dir}/.devup`)).toBe(false);
});

it('a target in public is named by its service (and database), and migrate status --json gives the database', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  const config = ws.config({
    database: { engine: 'external', url: connectionUrl(db) },
    services: { ingestion: { migrations: { dir: 'm', schema: 'public' } }, auth: { migrations: { dir: 'm' } } },
  });
  const lines: string[] = [];
  expect(await migrateStatus(commandContext(config, lines), {})).toBe(0);
  expect(lines.join('')).toMatch(/^ingestion \(public\)$/m);
  expect(lines.join('')).toMatch(/^auth_default$/m);
  const written: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const json = { ...commandContext(config), output: new Output('json', () => {}) };
    expect(await migrateStatus(json, {})).toBe(0);
  } finally {
    write.mockRestore();
  }
  const report = JSON.parse(written.join('').trim()) as {
    targets: { service: string; schema: string; database: string }[];
  };
  expect(report.targets.map((t) => [t.service, t.schema, t.database])).toEqual([
    ['ingestion', 'public', db.database],
    ['auth', 'auth_default', db.database],
  ]);
});
