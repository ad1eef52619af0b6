import { type Dirent, readdirSync } from 'node:fs';
import path from 'node:path';
import { NOT_SOURCE_DIRS } from '../lib/not-source-dirs.js';

/** How deep `devup init` looks: a monorepo's services sit at `services/<name>/db/migrations` at most. */
const MAX_DEPTH = 5;

/** A directory of the repo as `devup init` saw it: its files and subdirectories by name. */
export interface ScannedDir {
  /** Absolute path. */
  dir: string;
  files: string[];
  dirs: string[];
}

/**
 * The repo's directories (breadth first, bounded depth), skipping dependencies and caches, so
 * that `devup init` answers in well under a second on a monorepo with its node_modules.
 */
export function scanRepo(root: string): ScannedDir[] {
  const found: ScannedDir[] = [];
  let level = [root];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // unreadable: nothing to learn there
      }
      const files = entries.filter((e) => e.isFile()).map((e) => e.name);
      const dirs = entries.filter((e) => e.isDirectory() && !NOT_SOURCE_DIRS.has(e.name)).map((e) => e.name);
      found.push({ dir, files, dirs });
      next.push(...dirs.filter((name) => !name.startsWith('.')).map((name) => path.join(dir, name)));
    }
    level = next;
  }
  return found;
}
