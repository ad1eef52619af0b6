/**
 * Directories that hold no code of the project's own (dependencies, caches, build output, version
 * control, devup's state): `devup init` never descends into them, and a change inside one is no
 * reason to restart a service.
 */
export const NOT_SOURCE_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '.devup',
  '.venv',
  'venv',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  'dist',
  'build',
  'coverage',
  'target',
  '.next',
  '.turbo',
]);
