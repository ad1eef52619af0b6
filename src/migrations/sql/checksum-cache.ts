import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { writeJsonAtomic } from '../../lib/atomic-json.js';
import type { Migration, SqlSection } from '../migration.js';
import { discoverMigrations } from './discover.js';

/*
 * What discoverMigrations found in a directory, kept in .devup/ with every file's size, inode,
 * mtime and ctime: while all of those are unchanged, the files are not read again. ctime is set by
 * the kernel on any change and no tool can set it back, so an edit is always seen, whatever the
 * editor does with mtime. The SQL text itself is read (and its checksum re-proved) only when
 * something needs it: applying, a dry run.
 */

export const CHECKSUM_FILE = 'migration-checksums.json';
/** A file changed this close to the cache's writing could change again within one timestamp tick. */
const SETTLE_MS = 2_000;

interface SectionMeta {
  file: string;
  lineOffset: number;
  noTransaction: boolean;
}
/**
 * A migration as kept: every field of Migration but its SQL text (read on first use), so a field
 * added to Migration is kept too (the cache once dropped `contexts` by listing the fields).
 */
type MigrationMeta = Omit<Migration, 'version' | 'up' | 'down'> & {
  version: string;
  up: SectionMeta;
  down?: SectionMeta;
};
interface DirEntry {
  stamps: Record<string, string>;
  migrations: MigrationMeta[];
}
/** 2: migrations keep their contexts (a version 1 file lost them, so it is read again). */
const CACHE_VERSION = 2;

interface CacheFile {
  version: typeof CACHE_VERSION;
  writtenAt: number;
  dirs: Record<string, DirEntry>;
}

/** One run's view of the cache: looked up per directory, written once if anything was new. */
export class ChecksumCache {
  #file: CacheFile;
  #changed = false;

  /** `clock`: injectable, for tests of the trust rules. */
  constructor(
    private readonly stateDir: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.#file = readCache(path.join(stateDir, CHECKSUM_FILE));
  }

  /** The directory's migrations, from the cache when every stamp matches, else read (and remembered). */
  discover(dir: string): Migration[] {
    const now = this.clock();
    const stamps = stampDirectory(dir, now);
    const hit = this.#file.dirs[dir];
    // A clock that went back, or a file dated in the future: no stamp can be trusted.
    if (hit && now >= this.#file.writtenAt && sameStamps(hit.stamps, stamps) && !stamps.future) {
      return lazyMigrations(dir, hit.migrations);
    }
    const migrations = discoverMigrations(dir);
    if (stamps.settled(now) && !stamps.future) {
      this.#file.dirs[dir] = { stamps: stamps.values, migrations: migrations.map(toMeta) };
    } else delete this.#file.dirs[dir];
    this.#changed = true;
    return migrations;
  }

  save(): void {
    if (!this.#changed) return;
    try {
      writeJsonAtomic(path.join(this.stateDir, CHECKSUM_FILE), { ...this.#file, writtenAt: this.clock() });
    } catch {
      // A cache that cannot be written only costs reading the files again next time.
    }
  }
}

function readCache(file: string): CacheFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
    if (
      parsed.version === CACHE_VERSION &&
      typeof parsed.writtenAt === 'number' &&
      parsed.dirs &&
      typeof parsed.dirs === 'object'
    )
      return parsed as CacheFile;
  } catch {
    // missing or unreadable: start empty
  }
  return { version: CACHE_VERSION, writtenAt: 0, dirs: {} };
}

interface Stamps {
  values: Record<string, string>;
  /** A stamp with an mtime ahead of this machine's clock. */
  future: boolean;
  /** Whether every file's last change is older than SETTLE_MS at `now`. */
  settled(now: number): boolean;
}

/** Every entry of the directory, and every file of its subdirectories (diesel's up.sql, down.sql, metadata.toml). */
function stampDirectory(dir: string, now: number): Stamps {
  const values: Record<string, string> = {};
  let newest = 0;
  let future = false;
  const stamp = (file: string, stats: Stats) => {
    values[file] = `${stats.size}:${stats.ino}:${stats.mtimeMs}:${stats.ctimeMs}`;
    newest = Math.max(newest, stats.ctimeMs, stats.mtimeMs);
    if (stats.mtimeMs > now + 1000) future = true;
  };
  const walk = (current: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch {
      return;
    }
    stamp(current, statSync(current));
    for (const entry of entries) {
      const full = path.join(current, entry);
      const stats = statSync(full, { throwIfNoEntry: false });
      if (!stats) continue;
      if (stats.isDirectory() && depth === 0) walk(full, 1);
      else stamp(full, stats);
    }
  };
  walk(dir, 0);
  return { values, future, settled: (at) => newest < at - SETTLE_MS };
}

function sameStamps(a: Record<string, string>, b: Stamps): boolean {
  const keys = Object.keys(b.values);
  return keys.length === Object.keys(a).length && keys.every((key) => a[key] === b.values[key]);
}

function toMeta({ version, up, down, ...rest }: Migration): MigrationMeta {
  const meta = (section: SqlSection): SectionMeta => ({
    file: section.file,
    lineOffset: section.lineOffset,
    noTransaction: section.noTransaction,
  });
  return { ...rest, version: version.toString(), up: meta(up), ...(down ? { down: meta(down) } : {}) };
}

/** Migrations whose SQL is read on first use, by a full discovery that must find the same checksums. */
function lazyMigrations(dir: string, metas: readonly MigrationMeta[]): Migration[] {
  let fresh: Map<string, Migration> | undefined;
  const find = (meta: MigrationMeta): Migration => {
    fresh ??= new Map(discoverMigrations(dir).map((m) => [m.version.toString(), m]));
    const found = fresh.get(meta.version);
    if (!found || found.checksum !== meta.checksum) {
      throw new UserError(`${path.join(dir, meta.id)}: changed while devup was reading it`, {
        hint: 'Run the command again.',
      });
    }
    return found;
  };
  return metas.map((meta) => {
    const section = (kind: 'up' | 'down', s: SectionMeta): SqlSection => ({
      ...s,
      get sql(): string {
        const read = find(meta)[kind];
        if (!read) throw new UserError(`${path.join(dir, meta.id)}: changed while devup was reading it`);
        return read.sql;
      },
    });
    const { version, up, down, ...rest } = meta;
    return {
      ...rest,
      version: BigInt(version),
      up: section('up', up),
      down: down ? section('down', down) : undefined,
    };
  });
}
