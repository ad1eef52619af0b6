import path from 'node:path';
import { findPortHolder, stopHint } from '../checkouts/port-holder.js';
import type { ServiceSettings } from '../config/types.js';
import { InterruptedError, UserError } from '../errors.js';
import { isPortInUse } from '../ports.js';
import { type Clock, systemClock } from './clock.js';
import { deferred } from './deferred.js';
import { dependentsOf } from './dependency-order.js';
import { LogPrefixer } from './log-prefixer.js';
import type { RestartPolicyOptions } from './restart-policy.js';
import { RuntimeStateFile } from './runtime-state.js';
import { buildServiceEnv } from './service-env.js';
import { loadExeca } from './service-process.js';
import type { ServiceEvent, ServiceSnapshot } from './service-status.js';
import { type ServiceEnd, SupervisedService } from './supervised-service.js';

export interface SupervisorOptions {
  /** The services to run (already the selected subset), in config order. */
  services: ServiceSettings[];
  /** devup's connection variables for a service (DATABASE_URL, PG*, DEVUP_*); see service-env.ts for precedence. */
  env: (service: ServiceSettings) => Record<string, string>;
  /** The project's .env, parsed. */
  dotenv: Record<string, string>;
  /** Resolves when the service's migrations are done. A service starts after its gate and its dependsOn are ready. */
  gate?: (service: string) => Promise<void>;
  /** Where the prefixed log lines go (stdout). */
  write: (text: string) => void;
  /** Coloured prefixes; children get FORCE_COLOR=1 (true) or NO_COLOR=1 (false). */
  color: boolean;
  onEvent?: (event: ServiceEvent) => void;
  /** What happens to the others when one service stops for good after being ready. */
  onServiceExit?: 'keep-running' | 'stop-all';
  /** A JSON file kept current while supervising (see RuntimeState); removed on stop. */
  stateFile?: string;
  /** The environment services inherit; process.env unless a test says otherwise. */
  inheritedEnv?: NodeJS.ProcessEnv;
  /** Backoff and cap for `restart: 'on-failure'` (defaults: 250 ms doubling to 8 s, 5 restarts per 60 s). */
  restartPolicy?: Partial<RestartPolicyOptions>;
  clock?: Clock;
}

export interface ReadyService {
  name: string;
  pid: number | null;
  /** From the process running to the readiness check passing: the service's own start-up time. */
  readyMs: number;
  url: string | null;
}

export interface StartedServices {
  /** In config order; services without a command (migrations only) are not listed. */
  services: ReadyService[];
  elapsedMs: number;
}

/** Why supervision ended. `finished` resolves with one of these exactly once. */
export type SupervisionEnd =
  /** stop() was called. */
  | { reason: 'stopped' }
  /** start() failed; the error is the one start() rejected with. */
  | { reason: 'start-failed'; error: unknown }
  /** Every service stopped by itself for good (onServiceExit: keep-running). */
  | { reason: 'all-exited'; failed: string[] }
  /** A service stopped for good and onServiceExit is 'stop-all'; `error` is set when it failed (vs. exited with 0). */
  | { reason: 'stop-all'; service: string; error: UserError | undefined };

type Phase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

function serviceUrl(service: ServiceSettings): string | null {
  if (service.ready.kind === 'http') return new URL(service.ready.url).origin;
  return service.port === undefined ? null : `http://localhost:${service.port}`;
}

/**
 * Runs a project's services for `devup dev`: starts each once its migrations (gate) and its
 * dependencies are ready, prefixes their output into one stream, restarts crashed ones per their
 * policy, and stops them all, dependents first, each with its whole process group.
 */
export class ServiceSupervisor {
  /** Resolves when supervision ends: stop(), a failed start(), every service gone, or stop-all. */
  readonly finished: Promise<SupervisionEnd>;
  readonly #options: SupervisorOptions;
  readonly #clock: Clock;
  readonly #prefixer: LogPrefixer;
  readonly #services = new Map<string, SupervisedService>();
  readonly #settings: ServiceSettings[];
  readonly #stateFile: RuntimeStateFile | undefined;
  readonly #finished = deferred<SupervisionEnd>();
  /** Rejects when shutdown begins, to end every wait of start(). */
  readonly #halted = deferred<never>();
  #phase: Phase = 'idle';
  #shutdown: Promise<void> | undefined;
  #shutdownCause: SupervisionEnd | undefined;
  #stateFileBroken = false;
  readonly #removeStateFileOnExit = () => this.#stateFile?.remove();

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#settings = options.services;
    this.finished = this.#finished.promise;
    this.#halted.promise.catch(() => {});
    this.#prefixer = new LogPrefixer(
      options.services.map((service) => service.name),
      { color: options.color },
    );
    this.#stateFile = options.stateFile === undefined ? undefined : new RuntimeStateFile(options.stateFile);
    const afterGivingUp =
      (options.onServiceExit ?? 'keep-running') === 'stop-all'
        ? 'stopping all services (onServiceExit: "stop-all")'
        : 'the other services keep running';
    for (const service of options.services) {
      if (service.command === undefined) continue; // migrations only: nothing to run
      const supervised = new SupervisedService(service, {
        clock: this.#clock,
        restartPolicy: options.restartPolicy ?? {},
        buildEnv: () =>
          buildServiceEnv(service, {
            inherited: options.inheritedEnv ?? process.env,
            devup: options.env(service),
            dotenv: options.dotenv,
            services: options.services,
            color: options.color,
          }),
        log: (source, lines) =>
          this.#write(lines.map((line) => this.#prefixer.format(service.name, source, line)).join('')),
        emit: (event) => options.onEvent?.(event),
        onStatusChange: () => this.#writeState(),
        onEnd: (end) => this.#onServiceEnd(service.name, end),
        afterGivingUp,
      });
      this.#services.set(service.name, supervised);
    }
  }

  /**
   * Starts every service and resolves when all are ready. Rejects with a UserError when one can't
   * start (port taken, crashed, not ready in time), after stopping the ones already started; with
   * an InterruptedError when stop() was called meanwhile (once everything is down).
   */
  async start(): Promise<StartedServices> {
    if (this.#shutdown) throw new InterruptedError(); // stop() came first
    if (this.#phase !== 'idle') throw new Error('ServiceSupervisor.start() may be called only once');
    this.#phase = 'starting';
    const started = this.#clock.now();
    // Load execa while migrations run, rather than when the first service is due.
    loadExeca().catch(() => {});
    if (this.#stateFile) process.on('exit', this.#removeStateFileOnExit);
    this.#writeState();
    try {
      await this.#checkPorts();
      await this.#startAll();
      if (this.#shutdown) throw new InterruptedError();
    } catch (error) {
      const cause = this.#shutdownCause;
      await this.#beginShutdown({ reason: 'start-failed', error });
      if (cause?.reason === 'stopped') throw new InterruptedError();
      if (cause?.reason === 'stop-all') {
        throw (
          cause.error ??
          new UserError(`Service "${cause.service}" exited while the other services were starting`, {
            hint: 'onServiceExit is "stop-all", so devup stopped every service. If it is meant to exit, use "keep-running".',
          })
        );
      }
      throw error;
    }
    this.#phase = 'running';
    this.#endIfAllGone();
    return {
      services: [...this.#services.values()].map((service) => ({
        name: service.name,
        pid: service.pid,
        readyMs: service.readyMs ?? 0,
        url: serviceUrl(service.settings),
      })),
      elapsedMs: Math.round(this.#clock.now() - started),
    };
  }

  /**
   * Stops every service, dependents first: SIGTERM to each process group, SIGKILL after the
   * service's stopTimeout. Resolves when no process of any group is left. A second call while the
   * first is under way kills everything at once (the second Ctrl-C); later calls are no-ops.
   */
  stop(): Promise<void> {
    if (this.#shutdown) {
      if (this.#phase === 'stopping') for (const service of this.#services.values()) service.hurry();
      return this.#shutdown;
    }
    return this.#beginShutdown({ reason: 'stopped' });
  }

  /** Each service as the state file shows it. */
  snapshot(): ServiceSnapshot[] {
    return [...this.#services.values()].map((service) => {
      const snapshot: ServiceSnapshot = { name: service.name, status: service.status };
      const url = serviceUrl(service.settings);
      if (service.pid !== null) snapshot.pid = service.pid;
      if (service.settings.port !== undefined) snapshot.port = service.settings.port;
      if (url !== null) snapshot.url = url;
      if (service.readyMs !== null) snapshot.readyMs = service.readyMs;
      return snapshot;
    });
  }

  async #checkPorts(): Promise<void> {
    const withPorts = [...this.#services.values()].filter((service) => service.settings.port !== undefined);
    const taken = (
      await Promise.all(
        withPorts.map(async (service) => ((await isPortInUse(service.settings.port as number)) ? service : undefined)),
      )
    ).filter((service) => service !== undefined);
    if (taken.length === 0) return;
    const [first] = taken;
    // This project's own entry in the registry: its ports are the ones being checked.
    const stateDir = this.#options.stateFile === undefined ? undefined : path.dirname(this.#options.stateFile);
    const holderOf = (port: number) => findPortHolder(port, (_root, entry) => entry.stateDir === stateDir);
    if (taken.length === 1 && first) {
      const { name, settings } = first;
      const holder = holderOf(settings.port as number);
      throw new UserError(
        `Port ${settings.port} of service "${name}" is already in use${holder ? ` by ${holder.what}` : ''}`,
        {
          hint: holder?.stop
            ? `${stopHint(holder)}, or give the service another port: services.${name}.port.`
            : `Stop whatever listens on it (lsof -i :${settings.port}), or give the service another port: services.${name}.port.`,
        },
      );
    }
    const holders = taken.map(({ settings }) => holderOf(settings.port as number));
    const stops = new Set(holders.map((holder) => holder?.stop));
    const [stop] = stops;
    throw new UserError(`${taken.length} service ports are already in use`, {
      details: taken.map(({ name, settings }, index) => {
        const holder = holders[index];
        return `services.${name}.port: ${settings.port}${holder ? ` (${holder.what})` : ''}`;
      }),
      hint:
        stops.size === 1 && stop !== undefined
          ? `Stop them (${stop}), or give the services other ports in the config.`
          : 'Stop whatever listens on them (lsof -i :PORT), or give the services other ports in the config.',
    });
  }

  /** Starts each service as soon as its gate and its dependencies allow; resolves when all are ready. */
  async #startAll(): Promise<void> {
    const ready = new Map<string, Promise<void>>();
    const readyOf = (service: ServiceSettings): Promise<void> => {
      let promise = ready.get(service.name);
      if (promise === undefined) {
        promise = this.#startOne(service, (name) => {
          const dependency = this.#settings.find((other) => other.name === name);
          return dependency ? readyOf(dependency) : Promise.resolve();
        });
        // Dependents await it too; a rejection is reported once, through Promise.all below.
        promise.catch(() => {});
        ready.set(service.name, promise);
      }
      return promise;
    };
    await Promise.all(this.#settings.map(readyOf));
  }

  async #startOne(service: ServiceSettings, readyOf: (name: string) => Promise<void>): Promise<void> {
    // A dependency outside the selected subset counts as ready: the caller chose not to run it.
    const dependencies = service.dependsOn.filter((name) => this.#settings.some((other) => other.name === name));
    const allowed = Promise.all([this.#options.gate?.(service.name), ...dependencies.map(readyOf)]);
    // Migrations may hang; stop() must still end start().
    await Promise.race([allowed, this.#halted.promise]);
    if (this.#shutdown) throw new InterruptedError();
    const supervised = this.#services.get(service.name);
    if (supervised) await supervised.start();
  }

  #onServiceEnd(name: string, end: ServiceEnd): void {
    if (this.#shutdown) return;
    if ((this.#options.onServiceExit ?? 'keep-running') === 'stop-all') {
      void this.#beginShutdown({
        reason: 'stop-all',
        service: name,
        error: end.kind === 'failed' ? end.error : undefined,
      });
      return;
    }
    if (this.#phase === 'running') this.#endIfAllGone();
  }

  /** With keep-running, supervision ends when no service is left running. */
  #endIfAllGone(): void {
    const services = [...this.#services.values()];
    if (services.some((service) => service.status !== 'exited' && service.status !== 'failed')) return;
    const failed = services.filter((service) => service.status === 'failed').map((service) => service.name);
    void this.#beginShutdown({ reason: 'all-exited', failed });
  }

  #beginShutdown(cause: SupervisionEnd): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    this.#shutdownCause = cause;
    this.#phase = 'stopping';
    this.#halted.reject(new InterruptedError());
    // No more spawns or restarts anywhere, even for services whose turn to stop comes later.
    for (const service of this.#services.values()) service.halt();
    this.#shutdown = this.#stopAll().then(() => {
      this.#phase = 'stopped';
      if (this.#stateFile) {
        this.#stateFile.remove();
        process.off('exit', this.#removeStateFileOnExit);
      }
      this.#finished.resolve(cause);
    });
    return this.#shutdown;
  }

  /** Dependents first: a service is stopped once everything that depends on it has stopped. */
  async #stopAll(): Promise<void> {
    const dependents = dependentsOf(this.#settings);
    const stopped = new Map<string, Promise<void>>();
    const stopOne = (name: string): Promise<void> => {
      let promise = stopped.get(name);
      if (promise === undefined) {
        promise = Promise.all((dependents.get(name) ?? []).map(stopOne)).then(() => this.#services.get(name)?.stop());
        stopped.set(name, promise);
      }
      return promise;
    };
    await Promise.all(this.#settings.map((service) => stopOne(service.name)));
  }

  #write(text: string): void {
    if (text.length > 0) this.#options.write(text);
  }

  #writeState(): void {
    if (!this.#stateFile || this.#stateFileBroken || this.#phase === 'stopped') return;
    try {
      this.#stateFile.write(this.snapshot());
    } catch (error) {
      // The state file only serves other commands; supervision goes on without it.
      this.#stateFileBroken = true;
      this.#write(`devup: could not write ${this.#stateFile.file}: ${(error as Error).message}\n`);
    }
  }
}
