import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FileEntry } from './file-listing.js';
import { byRelativePath, type MigrationSet, type ToolAdapter, type ToolHistoryRow } from './tool-adapter.js';

// dbmate only considers `<digits>...sql` files at the top of its directory.
const MIGRATION_FILE = /^(\d+)[^/]*\.sql$/;

/** A dbmate migration: its version (the leading digits) and its name for display. */
export interface DbmateMigration {
  version: string;
  name: string;
}

export function dbmateMigrations(files: readonly FileEntry[]): DbmateMigration[] {
  const migrations: DbmateMigration[] = [];
  for (const file of [...files].sort(byRelativePath)) {
    const version = MIGRATION_FILE.exec(file.relative)?.[1];
    if (version !== undefined) migrations.push({ version, name: file.relative.replace(/\.sql$/, '') });
  }
  return migrations;
}

export function parseDbmateFiles(files: readonly FileEntry[]): MigrationSet {
  const migrations = dbmateMigrations(files);
  const entries = new Map(files.map((f) => [f.relative.replace(/\.sql$/, ''), f]));
  return {
    ids: migrations.map((m) => m.name),
    status(rows: readonly ToolHistoryRow[]) {
      const applied = new Set(rows.map((r) => r.id));
      return { pending: migrations.filter((m) => !applied.has(m.version)).map((m) => m.name) };
    },
    applied(rows: readonly ToolHistoryRow[]) {
      const names = new Map(migrations.map((m) => [m.version, m.name]));
      return rows.map((r) => names.get(r.id ?? '') ?? r.id ?? '');
    },
    label: (id) => id,
    fileOf: (id) => entries.get(id),
  };
}

/**
 * The Go binary that dbmate's npm package ships, when installed: calling it directly saves the
 * ~0.1 s that the `.bin/dbmate` Node shim costs per target.
 */
export function dbmateBinary(dirs: readonly string[]): string | undefined {
  const name = process.platform === 'win32' ? 'dbmate.exe' : 'dbmate';
  for (const dir of dirs) {
    const candidate = path.join(dir, 'node_modules', '@dbmate', `${process.platform}-${process.arch}`, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export const dbmate: ToolAdapter = {
  tool: 'dbmate',
  migrationsDir: (settings) => settings.dir ?? path.join(settings.cwd, 'db', 'migrations'),
  recursive: false,
  includes: (relative) => MIGRATION_FILE.test(relative),
  parse: parseDbmateFiles,
  history: { table: 'schema_migrations', columns: 'version::text as id', orderBy: '1', fingerprinted: false },
  // --no-dump-schema is a global flag: it holds for rollback too.
  program: ({ cwd, root }) => [dbmateBinary([cwd, root]) ?? 'dbmate', '--no-dump-schema'],
  upgradeArgs: () => ['up'],
  upgradeSuffixes: [['up'], ['migrate']],
  env: ({ migrationsDir, dirIsExplicit }) => ({
    DBMATE_NO_DUMP_SCHEMA: 'true',
    ...(dirIsExplicit ? { DBMATE_MIGRATIONS_DIR: migrationsDir } : {}),
  }),
  install:
    'Install it in the service (npm install --save-dev dbmate), or see https://github.com/amacneil/dbmate#installation.',
};
