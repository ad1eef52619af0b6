import path from 'node:path';
import { DependencyGraph } from '../config/dependency-graph.js';
import type { ServiceSettings } from '../config/types.js';
import { ServiceFileWatcher } from './service-file-watcher.js';
import type { ServiceStatus } from './service-status.js';

export interface KeepGoingOptions {
  services: readonly ServiceSettings[];
  /** Each service's status now. */
  statusOf: (name: string) => ServiceStatus | undefined;
  /** Restarts these services (they are down); rejects when one does not get ready again. */
  restart: (names: string[]) => Promise<unknown>;
  /** A line about a service for the combined log. */
  notice: (service: string, text: string) => void;
  /** Whether the supervisor can restart now (running, not stopping). */
  canRestart: () => boolean;
}

/** A directory as the user would type it from where devup runs. */
function shown(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' ? '.' : relative.startsWith('..') ? dir : `${relative}/`;
}

const DOWN: readonly ServiceStatus[] = ['failed', 'blocked'];

/**
 * Keep-going mode (`devup dev --keep-going`, `keepGoing: true`): a failed service is left down
 * while the others run. Its directory is watched, and a change there restarts it together with
 * the services that were not started because of it.
 */
export class KeepGoing {
  readonly #options: KeepGoingOptions;
  readonly #watchers = new Map<string, Promise<ServiceFileWatcher | undefined>>();
  #closed = false;

  constructor(options: KeepGoingOptions) {
    this.#options = options;
  }

  /** The services that are down (failed, or blocked by a failed dependency), in config order. */
  down(): string[] {
    return this.#options.services.filter((s) => this.#isDown(s.name)).map((s) => s.name);
  }

  /** What a restart of `names` must include: each down service with the down ones that depend on it. */
  withBlockedDependents(names: readonly string[]): string[] {
    return new DependencyGraph(this.#options.services)
      .withDependents(names)
      .filter((s) => names.includes(s.name) || this.#isDown(s.name))
      .map((s) => s.name);
  }

  /** Follows a status change: a failed service gets a watcher, a ready one loses it. */
  statusChanged(name: string, status: ServiceStatus): void {
    if (this.#closed) return;
    if (status === 'failed') this.#watch(name);
    else if (status === 'ready') this.#unwatch(name);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const watchers = [...this.#watchers.values()];
    this.#watchers.clear();
    await Promise.all(watchers.map(async (watcher) => (await watcher)?.close()));
  }

  #isDown(name: string): boolean {
    const status = this.#options.statusOf(name);
    return status !== undefined && DOWN.includes(status);
  }

  #watch(name: string): void {
    if (this.#watchers.has(name)) return;
    const settings = this.#options.services.find((s) => s.name === name);
    if (!settings) return;
    const watcher = ServiceFileWatcher.start(settings.cwd, {
      onChange: () => this.#changed(name),
      onError: (error) => this.#options.notice(name, `watching ${settings.cwd} failed: ${error.message}`),
    }).catch((error: unknown) => {
      this.#options.notice(name, `cannot watch ${settings.cwd}: ${(error as Error).message}`);
      return undefined;
    });
    this.#watchers.set(name, watcher);
    void watcher.then((started) => {
      // Closed meanwhile: the watcher that just came up must not outlive the session.
      if (this.#closed || this.#watchers.get(name) !== watcher) void started?.close();
      else if (started) this.#options.notice(name, `watching ${shown(settings.cwd)} for changes`);
    });
  }

  #unwatch(name: string): void {
    const watcher = this.#watchers.get(name);
    if (!watcher) return;
    this.#watchers.delete(name);
    void watcher.then((started) => started?.close());
  }

  #changed(name: string): void {
    if (this.#closed || !this.#isDown(name) || !this.#options.canRestart()) return;
    this.#options.notice(name, 'its files changed: restarting it');
    // A failure is already reported by the service itself (its last lines); it stays watched.
    this.#options.restart(this.withBlockedDependents([name])).catch(() => {});
  }
}
