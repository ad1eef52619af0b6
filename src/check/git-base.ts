import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** A git ref to compare the working tree's migrations with (`devup check --base origin/main`). */
export interface GitBase {
  ref: string;
  /** Paths of the files under `dir` (absolute) at the ref, relative to `dir`; empty when it did not exist. */
  filesAt(dir: string): Set<string>;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** Opens `ref` in the repository holding `cwd`; a clear error when there is no repository or no such ref. */
export function openGitBase(cwd: string, ref: string): GitBase {
  let root: string;
  try {
    root = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`--base ${ref} needs git, which was not found on PATH`, {
        hint: 'Install git, or run `devup check` without --base (every other check still runs).',
        cause: error,
      });
    }
    throw new UserError(`--base ${ref}: ${cwd} is not inside a git repository`, {
      hint: 'Run `devup check` from the repository, or without --base (every other check still runs).',
      cause: error,
    });
  }
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch (error) {
    throw new UserError(`--base ${ref}: no such branch, tag or commit in ${root}`, {
      hint:
        'Fetch it first (`git fetch origin main`, or actions/checkout with `fetch-depth: 0` in GitHub Actions) ' +
        'and pass it as it is named locally, e.g. --base origin/main.',
      cause: error,
    });
  }
  return {
    ref,
    filesAt(dir) {
      let real: string;
      try {
        real = realpathSync(dir);
      } catch {
        return new Set();
      }
      const relative = path.relative(root, real).split(path.sep).join('/');
      if (relative.startsWith('..')) return new Set();
      const listing = git(root, ['ls-tree', '-r', '--name-only', '-z', ref, '--', `${relative}/`]);
      const prefix = relative === '' ? '' : `${relative}/`;
      return new Set(
        listing
          .split('\0')
          .filter(Boolean)
          .map((file) => file.slice(prefix.length)),
      );
    },
  };
}
