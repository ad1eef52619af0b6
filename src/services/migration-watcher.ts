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

/** The services whose directory holds `file` (the deepest directory, should one hold another). */
export function servicesOfPath(dirs: readonly WatchedDir[], file: string): string[] {
  const holding = dirs.filter((watched) => {
    const relative = path.relative(watched.dir, file);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
  const deepest = Math.max(...holding.map((watched) => watched.dir.length));
  return holding.filter((watched) => watched.dir.length === deepest).map((watched) => watched.service);
}

/** Whether a change to `file` is an editor's scratch work rather than a migration (the watched directories themselves never are). */
export function isIgnoredChange(dirs: readonly WatchedDir[], file: string): boolean {
  if (dirs.some((watched) => watched.dir === file)) return false;
  return isEditorScratchFile(file);
}

export interface MigrationWatcherOptions {
  /** Called with the services whose directories changed, once a burst of changes is over. */
  onChange: (services: string[]) => void;
  onError: (error: Error) => void;
  quietMs?: number;
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

  private constructor(dirs: readonly WatchedDir[], debouncer: ChangeDebouncer<string>, close: () => Promise<void>) {
    this.dirs = dirs;
    this.#debouncer = debouncer;
    this.#close = close;
  }

  /** Resolves once every directory is watched, so a file saved after this is seen. */
  static async start(dirs: readonly WatchedDir[], options: MigrationWatcherOptions): Promise<MigrationWatcher> {
    const { watch } = await import('chokidar');
    const debouncer = new ChangeDebouncer<string>({
      quietMs: options.quietMs ?? QUIET_MS,
      clock: options.clock ?? systemClock,
      flush: options.onChange,
    });
    const watcher = watch(
      dirs.map((watched) => watched.dir),
      { ignoreInitial: true, ignored: (file) => isIgnoredChange(dirs, file) },
    );
    watcher.on('all', (_event, file) => {
      for (const service of servicesOfPath(dirs, file)) debouncer.add(service);
    });
    watcher.on('error', (error) => options.onError(error as Error));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return new MigrationWatcher(dirs, debouncer, () => watcher.close());
  }

  async close(): Promise<void> {
    this.#debouncer.close();
    await this.#close();
  }
}
