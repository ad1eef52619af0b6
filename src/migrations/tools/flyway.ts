import path from 'node:path';
import type { FileEntry } from './file-listing.js';
import { byRelativePath, type MigrationSet, type ToolAdapter, type ToolHistoryRow } from './tool-adapter.js';
import { jdbcUrl } from './tool-env.js';

// Versioned migrations: V<version>__<description>.sql, in any subdirectory of the location.
const VERSIONED = /(?:^|\/)V(\d+(?:[._]\d+)*)__[^/]*\.sql$/;

/** A version as flyway compares it: numeric parts, so 1.01 and 1_1 and 1.1 are one version. */
export function flywayVersion(raw: string): bigint[] {
  return raw.split(/[._]/).map((part) => BigInt(part));
}

export function compareFlywayVersions(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Repeatable (R__) migrations have no version: the fingerprint of the directory covers them. */
export function parseFlywayFiles(files: readonly FileEntry[]): MigrationSet {
  const migrations = [...files]
    .sort(byRelativePath)
    .flatMap((f) => {
      const raw = VERSIONED.exec(f.relative)?.[1];
      return raw === undefined ? [] : [{ id: path.posix.basename(f.relative, '.sql'), version: flywayVersion(raw) }];
    })
    .sort((a, b) => compareFlywayVersions(a.version, b.version));
  return {
    ids: migrations.map((m) => m.id),
    status(rows: readonly ToolHistoryRow[]) {
      const applied = rows
        .filter((r) => r.id !== null)
        .map((r) => ({ version: flywayVersion(r.id as string), type: r.type }));
      const baselines = applied.filter((r) => r.type === 'BASELINE').map((r) => r.version);
      const isApplied = (version: bigint[]) =>
        applied.some((r) => compareFlywayVersions(r.version, version) === 0) ||
        baselines.some((b) => compareFlywayVersions(version, b) <= 0);
      return { pending: migrations.filter((m) => !isApplied(m.version)).map((m) => m.id) };
    },
    applied(rows: readonly ToolHistoryRow[]) {
      const versions = rows.filter((r) => r.id !== null).map((r) => flywayVersion(r.id as string));
      return migrations.filter((m) => versions.some((v) => compareFlywayVersions(v, m.version) === 0)).map((m) => m.id);
    },
    label: (id) => id,
  };
}

export const flyway: ToolAdapter = {
  tool: 'flyway',
  migrationsDir: (settings) => settings.dir ?? path.join(settings.cwd, 'sql'),
  recursive: true,
  includes: (relative) => relative.endsWith('.sql'),
  parse: parseFlywayFiles,
  history: {
    table: 'flyway_schema_history',
    columns: 'version::text as id, type::text as type',
    // Versions only; the marker row of a schema flyway created has version 0 and counts as nothing.
    where: "success and version is not null and type <> 'SCHEMA'",
    orderBy: 'installed_rank',
    fingerprinted: false,
  },
  program: () => ['flyway'],
  upgradeArgs: () => ['migrate'],
  upgradeSuffixes: [['migrate']],
  env: ({ host, port, database, ssl, user, password, schema, migrationsDir }) => ({
    FLYWAY_URL: jdbcUrl(host, port, database, ssl),
    FLYWAY_USER: user,
    FLYWAY_PASSWORD: password,
    FLYWAY_SCHEMAS: schema,
    FLYWAY_LOCATIONS: `filesystem:${migrationsDir}`,
  }),
  install:
    'Install the Flyway command line (https://documentation.red-gate.com/fd/command-line-277579359.html), or set migrations.command.',
};
