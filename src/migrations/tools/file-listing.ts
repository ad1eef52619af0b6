import { readdirSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';

/** One file of a migration directory, with what is needed to notice that it changed. */
export interface FileEntry {
  /** Relative to the snapshot's root, with `/` separators. */
  relative: string;
  absolute: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** The files of a directory at one moment; `signature` changes when any of them does. */
export interface DirListing {
  root: string;
  exists: boolean;
  files: FileEntry[];
  signature: string;
}

/** Directories that never hold migrations but can be large or change on their own. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  '.devup',
  '.pytest_cache',
  '.mypy_cache',
  '.idea',
  '.vscode',
]);
/** Files that tools, editors and running services write next to migrations. */
const SKIPPED_FILE = /(\.pyc|\.pyo|\.log|\.pid|\.swp|~)$|^\.DS_Store$/;

export interface ListingOptions {
  /** Descend into subdirectories (except the skipped ones). */
  recursive: boolean;
  /** Which files count, by path relative to the root. */
  include: (relative: string) => boolean;
  /** Absolute directories to leave out (devup's own state directory). */
  exclude?: readonly string[];
}

/**
 * Lists a directory with sizes and times, synchronously: a few dozen stat calls cost well under
 * a millisecond, which keeps the nothing-to-do path short.
 */
export function listDir(root: string, options: ListingOptions): DirListing {
  const files: FileEntry[] = [];
  const excluded = new Set(options.exclude ?? []);
  let exists = true;
  const walk = (dir: string, prefix: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if (dir === root) exists = false;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
        return;
      throw error;
    }
    for (const name of names) {
      const absolute = path.join(dir, name);
      let stats: Stats;
      try {
        stats = statSync(absolute);
      } catch {
        // A dangling symlink or a file removed while listing: not a migration.
        continue;
      }
      const relative = prefix + name;
      if (stats.isDirectory()) {
        if (options.recursive && !SKIPPED_DIRS.has(name) && !excluded.has(absolute)) walk(absolute, `${relative}/`);
      } else if (stats.isFile() && !SKIPPED_FILE.test(name) && options.include(relative)) {
        files.push({ relative, absolute, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs });
      }
    }
  };
  walk(root, '');
  files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  const signature = exists
    ? `${root}\n${files.map((f) => `${f.relative}\0${f.size}\0${f.mtimeMs}\0${f.ctimeMs}`).join('\n')}`
    : `${root}\n(missing)`;
  return { root, exists, files, signature };
}

const memo = new Map<string, { signature: string; value: unknown }>();

/** Computes `value` once per process for as long as `signature` stays the same. */
export function memoBySignature<T>(key: string, signature: string, value: () => T): T {
  const hit = memo.get(key);
  if (hit && hit.signature === signature) return hit.value as T;
  const fresh = value();
  memo.set(key, { signature, value: fresh });
  return fresh;
}
