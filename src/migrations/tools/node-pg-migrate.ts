import path from 'node:path';
import type { FileEntry } from './file-listing.js';
import { byRelativePath, type MigrationSet, migrationSetByIds, type ToolAdapter } from './tool-adapter.js';

/** node-pg-migrate records each file under its base name without the extension. */
export function parseNodePgMigrateFiles(files: readonly FileEntry[]): MigrationSet {
  const ids = [...files]
    .sort(byRelativePath)
    .map((f) => f.relative.slice(0, f.relative.length - path.extname(f.relative).length));
  return migrationSetByIds(ids);
}

export const nodePgMigrate: ToolAdapter = {
  tool: 'node-pg-migrate',
  migrationsDir: (settings) => settings.dir ?? path.join(settings.cwd, 'migrations'),
  recursive: false,
  // Hidden files and type declarations are not migrations.
  includes: (relative) => !relative.startsWith('.') && !relative.endsWith('.d.ts') && !relative.endsWith('.map'),
  parse: parseNodePgMigrateFiles,
  history: { table: 'pgmigrations', columns: 'name::text as id', orderBy: 'run_on, id', fingerprinted: false },
  program: () => ['node-pg-migrate'],
  upgradeArgs: ({ schema, migrationsDir }) => ['up', '--schema', schema, '--create-schema', '-m', migrationsDir],
  upgradeSuffixes: [['up']],
  install: 'Install it in the service: npm install --save-dev node-pg-migrate pg',
};
