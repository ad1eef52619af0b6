import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from './types.js';

/**
 * The real path of `file`, following symlinks as far as the path exists (a data directory is
 * often not created yet, but a symlinked parent must still count as where it points).
 */
export function realPathSoFar(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = path.dirname(absolute);
    return parent === absolute ? absolute : path.join(realPathSoFar(parent), path.basename(absolute));
  }
}

/** Whether `inner` is `outer` or lies below it, symlinks resolved. */
export function containsPath(outer: string, inner: string): boolean {
  return containsRealPath(realPathSoFar(outer), realPathSoFar(inner));
}

/** containsPath for paths already resolved: a missing path's realpath throws, which costs. */
export function containsRealPath(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** What a data directory must never hold: the config file, the state directory, service and migration directories. */
export function projectPaths(config: Pick<ResolvedConfig, 'configPath' | 'stateDir' | 'services'>): string[] {
  const paths = [config.configPath, config.stateDir];
  for (const service of config.services) {
    paths.push(service.cwd);
    const m = service.migrations;
    if (m?.dir) paths.push(m.dir);
    if (m?.kind === 'tool') paths.push(m.cwd);
  }
  return paths;
}

/** The first of `paths` that `dir` holds (or is), if any. */
export function heldProjectPath(dir: string, paths: readonly string[]): string | undefined {
  // Resolved once, not once per path: a data directory not created yet throws on every realpath.
  const real = realPathSoFar(dir);
  return paths.find((p) => containsRealPath(real, realPathSoFar(p)));
}
