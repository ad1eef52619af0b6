import path from 'node:path';
import type { FileEntry } from './file-listing.js';
import { byRelativePath, type MigrationSet, migrationSetByIds, type ToolAdapter } from './tool-adapter.js';

const MIGRATION_SQL = /^([^/]+)\/migration\.sql$/;

/** Prisma's migrations are the directories that hold a migration.sql. */
export function parsePrismaFiles(files: readonly FileEntry[]): MigrationSet {
  const ids = [...files]
    .sort(byRelativePath)
    .map((f) => MIGRATION_SQL.exec(f.relative)?.[1])
    .filter((id): id is string => id !== undefined);
  return migrationSetByIds(ids);
}

export const prisma: ToolAdapter = {
  tool: 'prisma',
  migrationsDir: (settings) => settings.dir ?? path.join(settings.cwd, 'prisma', 'migrations'),
  recursive: true,
  includes: (relative) => MIGRATION_SQL.test(relative),
  parse: parsePrismaFiles,
  history: {
    table: '_prisma_migrations',
    columns: 'migration_name::text as id',
    // A failed or rolled-back migration is not applied: prisma migrate deploy must report it.
    where: 'finished_at is not null and rolled_back_at is null',
    orderBy: '1',
    fingerprinted: false,
  },
  program: () => ['prisma'],
  upgradeArgs: () => ['migrate', 'deploy'],
  upgradeSuffixes: [['migrate', 'deploy']],
  install: 'Install it in the service: npm install --save-dev prisma',
};
