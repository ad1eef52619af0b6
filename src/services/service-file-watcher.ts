import path from 'node:path';
import { NOT_SOURCE_DIRS } from '../lib/not-source-dirs.js';
import { ChangeDebouncer, isEditorScratchFile } from './change-debouncer.js';
import { type Clock, systemClock } from './clock.js';

/** Whether a change under `root` is not the service's code: an ignored directory or an editor's scratch file. */
export function isIgnoredServiceChange(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  if (relative === '') return false;
  if (relative.split(path.sep).some((part) => NOT_SOURCE_DIRS.has(part))) return true;
  return isEditorScratchFile(file);
}

/**
 * Watches a failed service's directory (keep-going) and calls `onChange` once a burst of saves
 * is over. Only failed services are watched, so a large working directory costs nothing while
 * everything runs.
 */
export class ServiceFileWatcher {
  readonly #close: () => Promise<void>;
  readonly #debouncer: ChangeDebouncer<string>;

  private constructor(debouncer: ChangeDebouncer<string>, close: () => Promise<void>) {
    this.#debouncer = debouncer;
    this.#close = close;
  }

  /** Resolves once the directory is watched. */
  static async start(
    dir: string,
    options: { onChange: () => void; onError: (error: Error) => void; quietMs?: number; clock?: Clock },
  ): Promise<ServiceFileWatcher> {
    const { watch } = await import('chokidar');
    const debouncer = new ChangeDebouncer<string>({
      quietMs: options.quietMs ?? 200,
      clock: options.clock ?? systemClock,
      flush: () => options.onChange(),
    });
    const watcher = watch(dir, { ignoreInitial: true, ignored: (file) => isIgnoredServiceChange(dir, file) });
    watcher.on('all', (_event, file) => debouncer.add(file));
    watcher.on('error', (error) => options.onError(error as Error));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return new ServiceFileWatcher(debouncer, () => watcher.close());
  }

  async close(): Promise<void> {
    this.#debouncer.close();
    await this.#close();
  }
}
