import { statSync } from 'node:fs';
import path from 'node:path';
import type { ServiceSettings } from '../config/types.js';
import { ChangeDebouncer, isEditorScratchFile } from './change-debouncer.js';
import { type Clock, systemClock } from './clock.js';

/** A service's migration directory, as `devup dev` watches it. */
export interface WatchedDir {
  service: string;
  dir: string;
}

/** Long enough to gather an editor's save (temp file, rename, chmod), short next to a restart. */
export const QUIET_MS = 150;

/** The directory holding a service's migrations: its SQL `dir`, or where its tool keeps them. */
export async function migrationDirOf(service: ServiceSettings): Promise<string | undefined> {
  const migrations = service.migrations;
  if (!migrations) return undefined;
  if (migrations.kind === 'sql') return migrations.dir;
  const { toolAdapter } = await import('../migrations/tools/adapters.js');
  return toolAdapter(migrations.tool).migrationsDir(migrations);
}

/** The migration directory of each service that has one, as the watcher takes them. */
export async function watchedMigrationDirs(services: readonly ServiceSettings[]): Promise<WatchedDir[]> {
  const dirs: WatchedDir[] = [];
  for (const service of services) {
    const dir = await migrationDirOf(service);
    if (dir !== undefined) dirs.push({ service: service.name, dir });
  }
  return dirs;
}

/** The services whose directory holds `file` (the deepest directory, should one hold another). */
export function servicesOfPath(dirs: readonly WatchedDir[], file: string): string[] {
  const holding = dirs.filter((watched) => {
    const relative = path.relative(watched.dir, file);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
  const deepest = Math.max(...holding.map((watched) => watched.dir.length));
  return holding.filter((watched) => watched.dir.length === deepest).map((watched) => watched.service);
}

type Watch = typeof import('chokidar').watch;
type Watcher = ReturnType<Watch>;

/**
 * inotify follows a directory's inode: one moved away is still watched where it went, and one
 * moved in under its name is not seen. On any event (of the directories or of their parents,
 * watched one level deep), a root whose inode changed is watched anew and counts as changed.
 * Returns the parents' watcher.
 */
function followReplacedDirs(watch: Watch, watcher: Watcher, roots: string[], changed: (file: string) => void): Watcher {
  const parents = [...new Set(roots.map((dir) => path.dirname(dir)))];
  const parentWatcher = watch(parents, {
    ignoreInitial: true,
    depth: 0,
    ignored: (file) => !parents.includes(file) && !roots.includes(file),
  });
  const inodes = new Map(roots.map((dir) => [dir, inodeOf(dir)]));
  const follow = () => {
    for (const dir of roots) {
      const inode = inodeOf(dir);
      if (inode === undefined || inode === inodes.get(dir)) continue;
      inodes.set(dir, inode);
      watcher.unwatch(dir);
      watcher.add(dir);
      changed(dir);
    }
  };
  // Registered before the caller's own listener: the new directory is watched before its change counts.
  watcher.on('all', follow);
  parentWatcher.on('all', (_event, file) => {
    follow();
    if (roots.includes(file)) changed(file);
  });
  return parentWatcher;
}

function inodeOf(dir: string): number | undefined {
  try {
    return statSync(dir).ino;
  } catch {
    return undefined;
  }
}

/** Whether a change to `file` is an editor's scratch work rather than a migration (the watched directories themselves never are). */
export function isIgnoredChange(dirs: readonly WatchedDir[], file: string): boolean {
  if (dirs.some((watched) => watched.dir === file)) return false;
  return isEditorScratchFile(file) || isToolByproduct(dirs, file);
}

/** Directories and files a tool run writes beside the migrations (Python's bytecode cache). */
const BYPRODUCT_DIRS = new Set(['__pycache__', 'node_modules', '.git']);

/**
 * What running a migration writes into its own directory: Alembic's Python (without
 * PYTHONDONTWRITEBYTECODE) leaves `versions/__pycache__/*.pyc` behind, which must not look like
 * a save (a run after every run).
 */
function isToolByproduct(dirs: readonly WatchedDir[], file: string): boolean {
  if (/\.py[co]$/.test(file)) return true;
  const root = dirs.find((watched) => !path.relative(watched.dir, file).startsWith('..'));
  const relative = root ? path.relative(root.dir, file) : file;
  return relative.split(path.sep).some((segment) => BYPRODUCT_DIRS.has(segment));
}

export interface MigrationWatcherOptions {
  /** Called with the services whose directories changed, once their files are settled. */
  onChange: (services: string[]) => void;
  onError: (error: Error) => void;
  quietMs?: number;
  /** How long the files must stay the same before they count (SETTLE_MS). */
  settleMs?: number;
  clock?: Clock;
}

/**
 * Watches the migration directories (recursively, with inotify through chokidar: no polling, so
 * nothing runs while idle) and reports which services' migrations changed.
 */
export class MigrationWatcher {
  readonly dirs: readonly WatchedDir[];
  readonly #close: () => Promise<void>;
  readonly #debouncer: ChangeDebouncer<string>;

  readonly #settle: { close(): void };

  private constructor(
    dirs: readonly WatchedDir[],
    debouncer: ChangeDebouncer<string>,
    settle: { close(): void },
    close: () => Promise<void>,
  ) {
    this.dirs = dirs;
    this.#debouncer = debouncer;
    this.#settle = settle;
    this.#close = close;
  }

  /** Resolves once every directory is watched, so a file saved after this is seen. */
  static async start(dirs: readonly WatchedDir[], options: MigrationWatcherOptions): Promise<MigrationWatcher> {
    const [{ watch }, { SETTLE_MS, SettleQueue, readDirState }] = await Promise.all([
      import('chokidar'),
      import('./settled-files.js'),
    ]);
    const clock = options.clock ?? systemClock;
    const dirOf = new Map(dirs.map((watched) => [watched.service, watched.dir]));
    const settle = new SettleQueue<string>({
      settleMs: options.settleMs ?? SETTLE_MS,
      clock,
      read: (service) => readDirState(dirOf.get(service) ?? ''),
      ready: options.onChange,
    });
    const debouncer = new ChangeDebouncer<string>({
      quietMs: options.quietMs ?? QUIET_MS,
      clock,
      flush: (services) => settle.add(services),
    });
    const roots = dirs.map((watched) => watched.dir);
    const watcher = watch(roots, { ignoreInitial: true, ignored: (file) => isIgnoredChange(dirs, file) });
    const changed = (file: string) => {
      for (const service of servicesOfPath(dirs, file)) debouncer.add(service);
    };
    const parentWatcher = followReplacedDirs(watch, watcher, roots, changed);
    watcher.on('all', (_event, file) => changed(file));
    for (const w of [watcher, parentWatcher]) w.on('error', (error) => options.onError(error as Error));
    await Promise.all(
      [watcher, parentWatcher].map((w) => new Promise<void>((resolve) => w.once('ready', () => resolve()))),
    );
    return new MigrationWatcher(dirs, debouncer, settle, async () => {
      await Promise.all([watcher.close(), parentWatcher.close()]);
    });
  }

  async close(): Promise<void> {
    this.#debouncer.close();
    this.#settle.close();
    await this.#close();
  }
}
