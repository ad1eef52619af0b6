import { afterEach, describe, expect, it } from 'vitest';
import { alembic, parseAlembicFiles } from '../../../src/migrations/tools/alembic.js';
import { dbmate, dbmateMigrations, parseDbmateFiles } from '../../../src/migrations/tools/dbmate.js';
import { listDir } from '../../../src/migrations/tools/file-listing.js';
import { flyway, parseFlywayFiles } from '../../../src/migrations/tools/flyway.js';
import { nodePgMigrate, parseNodePgMigrateFiles } from '../../../src/migrations/tools/node-pg-migrate.js';
import { parsePrismaFiles, prisma } from '../../../src/migrations/tools/prisma.js';
import type { ToolAdapter, ToolSettings } from '../../../src/migrations/tools/tool-adapter.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const files = (adapter: ToolAdapter, dir: string) =>
  listDir(dir, { recursive: adapter.recursive, include: (r) => adapter.includes(r) }).files;

const settings = (cwd: string, dir?: string): ToolSettings => ({
  kind: 'tool',
  tool: 'alembic',
  bootstrap: 'replay',
  command: undefined,
  program: undefined,
  cwd,
  dir,
  env: {},
  tenants: { kind: 'list', tenants: ['default'] },
  schemaTemplate: '{service}_{tenant}',
  concurrency: 4,
});

describe('dbmate', () => {
  it('takes the leading digits of top-level .sql files as versions, and ignores the rest', () => {
    ws = createWorkspace({
      'db/migrations/20250101120000_create_sources.sql': '-- migrate:up\n',
      'db/migrations/002_b.sql': '',
      'db/migrations/notes.sql': '',
      'db/migrations/README.md': '',
      'db/migrations/sub/003_c.sql': '',
    });
    const list = files(dbmate, dbmate.migrationsDir(settings(ws.dir)));
    expect(dbmateMigrations(list)).toEqual([
      { version: '002', name: '002_b' },
      { version: '20250101120000', name: '20250101120000_create_sources' },
    ]);
    const set = parseDbmateFiles(list);
    expect(set.status([{ id: '002' }]).pending).toEqual(['20250101120000_create_sources']);
    expect(set.status([{ id: '002' }, { id: '20250101120000' }, { id: '999' }]).pending).toEqual([]);
  });
});

describe('node-pg-migrate', () => {
  it('names migrations by base name without extension, skipping hidden files and declarations', () => {
    ws = createWorkspace({
      'migrations/1700000000000_init.js': '',
      'migrations/1700000000001_users.ts': '',
      'migrations/1700000000001_users.d.ts': '',
      'migrations/.eslintrc.json': '',
    });
    const set = parseNodePgMigrateFiles(files(nodePgMigrate, nodePgMigrate.migrationsDir(settings(ws.dir))));
    expect(set.ids).toEqual(['1700000000000_init', '1700000000001_users']);
    expect(set.status([{ id: '1700000000000_init' }]).pending).toEqual(['1700000000001_users']);
  });
});

describe('prisma', () => {
  it('counts directories holding a migration.sql', () => {
    ws = createWorkspace({
      'prisma/migrations/20240101000000_init/migration.sql': '',
      'prisma/migrations/20240102000000_users/migration.sql': '',
      'prisma/migrations/20240103000000_empty/README': '',
      'prisma/migrations/migration_lock.toml': '',
    });
    const set = parsePrismaFiles(files(prisma, prisma.migrationsDir(settings(ws.dir))));
    expect(set.ids).toEqual(['20240101000000_init', '20240102000000_users']);
    expect(set.status([{ id: '20240101000000_init' }]).pending).toEqual(['20240102000000_users']);
  });
});

describe('flyway', () => {
  it('compares versions numerically, in subdirectories too, and leaves repeatables to the fingerprint', () => {
    ws = createWorkspace({
      'sql/V1__init.sql': '',
      'sql/V1_1__users.sql': '',
      'sql/more/V2.0.1__orders.sql': '',
      'sql/V10__late.sql': '',
      'sql/R__views.sql': '',
    });
    const set = parseFlywayFiles(files(flyway, flyway.migrationsDir(settings(ws.dir))));
    expect(set.ids).toEqual(['V1__init', 'V1_1__users', 'V2.0.1__orders', 'V10__late']);
    expect(
      set.status([
        { id: '1', type: 'SQL' },
        { id: '1.1', type: 'SQL' },
      ]).pending,
    ).toEqual(['V2.0.1__orders', 'V10__late']);
    expect(set.status([{ id: '2.0.1', type: 'BASELINE' }]).pending).toEqual(['V10__late']);
  });
});

describe('alembic', () => {
  it('finds the versions directory from alembic.ini, or from dir', () => {
    ws = createWorkspace({
      'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
      'migrations/versions/a.py': "revision = 'a'\ndown_revision = None\n",
      'other/versions/b.py': "revision = 'b'\ndown_revision = None\n",
    });
    expect(alembic.migrationsDir(settings(ws.dir))).toBe(`${ws.dir}/migrations/versions`);
    expect(alembic.migrationsDir(settings(ws.dir, `${ws.dir}/other`))).toBe(`${ws.dir}/other/versions`);
    expect(alembic.migrationsDir(settings(ws.dir, `${ws.dir}/other/versions`))).toBe(`${ws.dir}/other/versions`);
    ws.remove('alembic.ini');
    expect(alembic.migrationsDir(settings(ws.dir))).toBe(`${ws.dir}/alembic/versions`);
  });

  it('reads revision files, skipping __init__.py, caches and __pycache__', () => {
    ws = createWorkspace({
      'alembic/versions/__init__.py': '',
      'alembic/versions/a.py': "revision = 'a'\ndown_revision = None\n",
      'alembic/versions/b.py': "revision = 'b'\ndown_revision = 'a'\n",
      'alembic/versions/__pycache__/b.cpython-311.pyc': 'x',
    });
    const set = parseAlembicFiles(files(alembic, `${ws.dir}/alembic/versions`));
    expect(set.ids).toEqual(['a', 'b']);
    expect(set.status([{ id: 'a' }]).pending).toEqual(['b']);
  });
});
