import { DependencyGraph } from '../config/dependency-graph.js';
import type { ServiceSettings } from '../config/types.js';
import { InterruptedError } from '../errors.js';
import { formatDuration } from '../lib/format.js';
import type { KeepGoing } from './keep-going.js';
import type { SupervisedService } from './supervised-service.js';
import type { ReadyService } from './supervisor-types.js';

/** What the operations need of the supervisor that owns the services. */
export interface OperationsHost {
  readonly settings: readonly ServiceSettings[];
  readonly services: Map<string, SupervisedService>;
  readonly keepGoing: KeepGoing | undefined;
  /** A fresh service ready to start (a stopped one stays stopped). */
  create(service: ServiceSettings): SupervisedService;
  /** 'idle' before start() finished, 'stopping' once shutdown began. */
  phase(): 'idle' | 'running' | 'stopping';
  stateChanged(): void;
  notice(service: string, text: string): void;
}

export function serviceUrl(service: ServiceSettings): string | null {
  if (service.ready.kind === 'http') return new URL(service.ready.url).origin;
  return service.port === undefined ? null : `http://localhost:${service.port}`;
}

export function readyService(service: SupervisedService): ReadyService {
  return { name: service.name, pid: service.pid, readyMs: service.readyMs ?? 0, url: serviceUrl(service.settings) };
}

/**
 * The operations on single services while the session runs: restart (`r`, a migration, keep-going's
 * file watcher, the dashboard), and the dashboard's stop and start. They run one at a time.
 */
export class ServiceOperations {
  readonly #host: OperationsHost;
  /** The operation under way. */
  #queue: Promise<unknown> = Promise.resolve();
  #restarting = false;
  /** Stopped on request (the dashboard): not gone for good, they may be started again. */
  readonly #stoppedOnRequest = new Set<string>();

  constructor(host: OperationsHost) {
    this.#host = host;
  }

  /** A restart is under way: its stopped services are about to run again. */
  get restarting(): boolean {
    return this.#restarting;
  }

  /** Whether `name` was stopped by stop() (so its being down does not end the session). */
  stoppedOnRequest(name: string): boolean {
    return this.#stoppedOnRequest.has(name);
  }

  /** See ServiceSupervisor.restart(). */
  restart(names: readonly string[]): Promise<ReadyService[]> {
    return this.#enqueue(() => this.#restart(names));
  }

  /** Stops one service (and nothing else: what depends on it keeps running); it can be started again. */
  stop(name: string): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#host.phase() !== 'running') throw new InterruptedError();
      this.#stoppedOnRequest.add(name);
      await this.#host.services.get(name)?.stop();
      this.#host.stateChanged();
    });
  }

  /**
   * Starts a stopped or failed service with a fresh process; with keep-going, the services
   * blocked because of it start too, as when its files change. Resolves once they are ready.
   */
  async start(name: string): Promise<void> {
    await this.restart(this.#host.keepGoing?.withBlockedDependents([name]) ?? [name]);
  }

  /** The services `r` restarts: the down ones while any is (keep-going), else every one. */
  restartTargets(): string[] {
    const down = this.#host.keepGoing?.down() ?? [];
    if (down.length > 0) return this.#host.keepGoing?.withBlockedDependents(down) ?? down;
    return this.#host.settings.map((service) => service.name);
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #restart(names: readonly string[]): Promise<ReadyService[]> {
    const host = this.#host;
    if (host.phase() === 'stopping') throw new InterruptedError();
    if (host.phase() !== 'running') throw new Error('ServiceSupervisor.restart() before start() finished');
    const chosen = host.settings.filter((service) => names.includes(service.name) && host.services.has(service.name));
    for (const service of chosen) this.#stoppedOnRequest.delete(service.name);
    this.#restarting = true;
    try {
      const graph = new DependencyGraph(chosen);
      await graph.dependentsFirst(async (service) => host.services.get(service.name)?.stop());
      if (host.phase() === 'stopping') throw new InterruptedError();
      for (const service of chosen) host.services.set(service.name, host.create(service));
      host.stateChanged();
      await graph
        .dependenciesFirst(async (service) => {
          if (host.phase() === 'stopping') throw new InterruptedError();
          const readyMs = await host.services.get(service.name)?.start();
          host.notice(service.name, `restarted, ready in ${formatDuration(readyMs ?? 0)}`);
        })
        .catch(async (error: unknown) => {
          // What could not start because a dependency failed is down, not "starting" for ever.
          if (host.keepGoing) this.#blockUnstarted(chosen);
          await Promise.all(chosen.map((service) => host.services.get(service.name)?.stop()));
          throw error;
        });
    } finally {
      this.#restarting = false;
    }
    if (host.phase() === 'stopping') throw new InterruptedError();
    return chosen.flatMap((service) => {
      const supervised = host.services.get(service.name);
      return supervised ? [readyService(supervised)] : [];
    });
  }

  /** Keep-going: a restart's services that never started (a dependency failed) are blocked, not "starting". */
  #blockUnstarted(chosen: readonly ServiceSettings[]): void {
    const failed = chosen.find((s) => this.#host.services.get(s.name)?.status === 'failed')?.name ?? 'a dependency';
    for (const s of chosen) {
      const supervised = this.#host.services.get(s.name);
      if (supervised?.status === 'starting') supervised.block(failed);
    }
  }
}
