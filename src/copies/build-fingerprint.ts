import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig, ServiceSettings } from '../config/types.js';
import { matchSeedFiles } from '../migrations/seeds/seed-files.js';
import { toolAdapter } from '../migrations/tools/adapters.js';
import { hashFiles } from '../migrations/tools/content-hash.js';
import { type FileEntry, listDir } from '../migrations/tools/file-listing.js';
import { readToolFiles } from '../migrations/tools/tool-files.js';
import { VERSION } from '../version.js';

/**
 * What a database built from zero depends on, as a hash per part: `config` (devup's version,
 * the database settings, each service's schema, tenants, tool and seed command), `setup`
 * (database.extensions and the contents of database.init), then
 * `migrations:<service>` and `seeds:<service>` over the files' contents. Two equal fingerprints
 * mean a rebuild would give the same database, so a copy taken after the last one can stand in.
 */
export type BuildFingerprint = Record<string, string>;

/** What a database is built from: its user and name, every service's migrations and seeds, the database setup. */
export type FingerprintSettings = Pick<ResolvedConfig, 'root' | 'stateDir' | 'database' | 'services' | 'databaseSetup'>;

function sha(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

function migrationFilesHash(config: Pick<ResolvedConfig, 'stateDir'>, service: ServiceSettings): string | undefined {
  const settings = service.migrations;
  if (!settings) return undefined;
  if (settings.kind === 'tool') return readToolFiles(toolAdapter(settings.tool), settings, config.stateDir).hash;
  const snapshot = listDir(settings.dir, {
    recursive: true, // diesel keeps each migration in a directory
    include: (relative) => relative.endsWith('.sql') || relative.endsWith('.toml'),
    exclude: [config.stateDir],
  });
  return snapshot.exists ? hashFiles(snapshot.files).slice(0, 16) : 'missing';
}

function fileHash(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  } catch {
    return 'missing';
  }
}

function seedFilesHash(service: ServiceSettings): string | undefined {
  const seed = service.seed;
  if (seed?.kind !== 'sql') return undefined;
  const files: FileEntry[] = matchSeedFiles(service.cwd, seed.pattern).map((absolute) => {
    const stats = statSync(absolute);
    return {
      relative: path.relative(service.cwd, absolute),
      absolute,
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      ctimeMs: stats.ctimeMs,
    };
  });
  return hashFiles(files).slice(0, 16);
}

export function buildFingerprint(config: FingerprintSettings): BuildFingerprint {
  const parts: BuildFingerprint = {
    config: sha({
      version: VERSION,
      user: config.database.user,
      database: config.database.database,
      services: config.services.map((s) => ({
        name: s.name,
        database: s.database,
        migrations: s.migrations && { ...s.migrations, dir: undefined, cwd: undefined },
        seed: s.seed?.kind === 'command' ? s.seed.command : s.seed?.pattern,
      })),
    }),
  };
  const { extensions, init } = config.databaseSetup;
  if (extensions.length > 0 || init.length > 0) {
    // database.extensions and database.init shape every database before its migrations.
    parts.setup = sha({ extensions, init: init.map((file) => [path.relative(config.root, file), fileHash(file)]) });
  }
  for (const service of config.services) {
    const migrations = migrationFilesHash(config, service);
    if (migrations !== undefined) parts[`migrations:${service.name}`] = migrations;
    const seeds = seedFilesHash(service);
    if (seeds !== undefined) parts[`seeds:${service.name}`] = seeds;
  }
  return parts;
}

/** The parts that differ, for people: "the migrations of auth", "the seeds of workflow", "the config". */
export function describeFingerprintChange(then: BuildFingerprint, now: BuildFingerprint): string[] {
  const keys = [...new Set([...Object.keys(now), ...Object.keys(then)])];
  return keys
    .filter((key) => then[key] !== now[key])
    .map((key) => {
      const [part, service] = key.split(':');
      if (part === 'setup') return 'database.extensions or database.init';
      return service ? `the ${part} of ${service}` : `the ${part}`;
    });
}
