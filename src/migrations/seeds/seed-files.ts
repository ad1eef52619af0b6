import path from 'node:path';
import { globSync } from 'tinyglobby';

// Its own module: the glob library (with picomatch, ~90 kB) loads only when seeds are read, not
// on every `devup migrate` / `devup dev` that imports the seeding step.

/** Files matching a pattern such as `seeds/*.sql` (a `*` or `?` in the last part), sorted. */
export function matchSeedFiles(cwd: string, pattern: string): string[] {
  const full = path.resolve(cwd, pattern);
  // The directory is taken as written; only the file name is a glob.
  return globSync(path.basename(full), {
    cwd: path.dirname(full),
    absolute: true,
    dot: true,
    expandDirectories: false,
  }).sort();
}
