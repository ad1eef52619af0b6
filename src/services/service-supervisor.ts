import path from 'node:path';
import { DependencyGraph } from '../config/dependency-graph.js';
import type { ServiceSettings } from '../config/types.js';
import { InterruptedError, UserError } from '../errors.js';
import { type Clock, systemClock } from './clock.js';
import { deferred } from './deferred.js';
import { KeepGoing } from './keep-going.js';
import { PublishedState, serviceState } from './published-state.js';
import { supervisedServiceEnv } from './service-env.js';
import { readyService, ServiceOperations } from './service-operations.js';
import { ServiceOutput } from './service-output.js';
import { checkServicePorts } from './service-ports.js';
import { loadExeca } from './service-process.js';
import type { ServiceState } from './service-status.js';
import { SESSION_MARKER, stopDetachedProcesses } from './session-processes.js';
import { type ServiceEnd, SupervisedService } from './supervised-service.js';
import type { ReadyService, StartedServices, SupervisionEnd, SupervisorOptions } from './supervisor-types.js';

export type { ReadyService, StartedServices, SupervisionEnd, SupervisorOptions } from './supervisor-types.js';

type Phase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

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
  readonly #output: ServiceOutput;
  readonly #operations: ServiceOperations;
  readonly #services = new Map<string, SupervisedService>();
  readonly #settings: ServiceSettings[];
  readonly #state: PublishedState;
  readonly #finished = deferred<SupervisionEnd>();
  /** Rejects when shutdown begins, to end every wait of start(). */
  readonly #halted = deferred<never>();
  readonly #afterGivingUp: string;
  #phase: Phase = 'idle';
  #shutdown: Promise<void> | undefined;
  #shutdownCause: SupervisionEnd | undefined;
  readonly #keepGoing: KeepGoing | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#settings = options.services;
    this.finished = this.#finished.promise;
    this.#halted.promise.catch(() => {});
    this.#output = new ServiceOutput(options);
    this.#state = new PublishedState(
      options.stateFile,
      () => this.states(),
      (text) => this.#output.write(text),
    );
    this.#afterGivingUp = options.keepGoing
      ? 'the others keep running (keep-going): it restarts when one of its files changes, or on r'
      : (options.onServiceExit ?? 'keep-running') === 'stop-all'
        ? 'stopping all services (onServiceExit: "stop-all")'
        : 'the other services keep running';
    this.#keepGoing = options.keepGoing
      ? new KeepGoing({
          services: options.services.filter((service) => service.command !== undefined),
          statusOf: (name) => this.#services.get(name)?.status,
          restart: (names) => this.restart(names),
          notice: (service, text) => this.#output.notice(service, text),
          canRestart: () => this.#phase === 'running' && !this.#shutdown,
        })
      : undefined;
    this.#operations = new ServiceOperations({
      settings: this.#settings,
      services: this.#services,
      keepGoing: this.#keepGoing,
      create: (service) => this.#createService(service),
      phase: () => (this.#shutdown ? 'stopping' : this.#phase === 'running' ? 'running' : 'idle'),
      stateChanged: () => this.#state.update(),
      notice: (service, text) => this.#output.notice(service, text),
    });
    for (const service of options.services) {
      // Migrations only: nothing to run.
      if (service.command !== undefined) this.#services.set(service.name, this.#createService(service));
    }
  }

  /** A service ready to start: restart() makes a fresh one, since a stopped one stays stopped. */
  #createService(service: ServiceSettings): SupervisedService {
    const options = this.#options;
    return new SupervisedService(service, {
      clock: this.#clock,
      restartPolicy: options.restartPolicy ?? {},
      buildEnv: async () => {
        const env = await supervisedServiceEnv(service, options, options.inheritedEnv ?? process.env);
        if (options.session !== undefined) env[SESSION_MARKER] = options.session;
        return env;
      },
      log: (source, lines) => this.#output.lines(service.name, source, lines),
      emit: (event) => options.onEvent?.(event),
      onStatusChange: () => {
        this.#state.update();
        const status = this.#services.get(service.name)?.status;
        if (status !== undefined) this.#keepGoing?.statusChanged(service.name, status);
      },
      onEnd: (end) => this.#onServiceEnd(service.name, end),
      afterGivingUp: this.#afterGivingUp,
      keepGoing: options.keepGoing ?? false,
    });
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
    this.#state.begin();
    this.#output.reset();
    try {
      // This project's own entry in the checkout registry: its ports are the ones being checked.
      const stateDir = this.#options.stateFile === undefined ? undefined : path.dirname(this.#options.stateFile);
      await checkServicePorts([...this.#services.values()], stateDir);
      await new DependencyGraph(this.#settings).dependenciesFirst((service) => this.#startOne(service));
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
    const down = this.#keepGoing?.down() ?? [];
    return {
      services: [...this.#services.values()].filter((s) => !down.includes(s.name)).map(readyService),
      down,
      elapsedMs: Math.round(this.#clock.now() - started),
    };
  }

  /**
   * Stops the named services, dependents first, and starts each again with a fresh process, in
   * dependency order, resolving once they are all ready; the other services keep running
   * untouched. Restarts run one at a time. Rejects with a UserError when one does not get ready
   * again: it stays down (and what depends on it among the named is not started), the others run on.
   */
  restart(names: readonly string[]): Promise<ReadyService[]> {
    return this.#operations.restart(names);
  }

  /** Stops one service (and nothing else: what depends on it keeps running); it can be started again. */
  stopOne(name: string): Promise<void> {
    return this.#operations.stop(name);
  }

  /** Starts a service stopped by stopOne() (or one that is down) with a fresh process; resolves once it is ready. */
  startOne(name: string): Promise<void> {
    return this.#operations.start(name);
  }

  /** The services `r` restarts: the down ones while any is (keep-going), else every one. */
  restartTargets(): string[] {
    return this.#operations.restartTargets();
  }

  /** The environment devup gives a service, without what it inherits from devup's own shell. */
  environment(name: string): Promise<Record<string, string>> | undefined {
    const service = this.#settings.find((s) => s.name === name);
    return service === undefined ? undefined : supervisedServiceEnv(service, this.#options, {});
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
  states(): ServiceState[] {
    return [...this.#services.values()].map(serviceState);
  }

  /** Starts a service once its migrations are done (its dependencies are, by dependenciesFirst). */
  async #startOne(service: ServiceSettings): Promise<void> {
    // Migrations may hang; stop() must still end start().
    await Promise.race([this.#options.gate?.(service.name), this.#halted.promise]);
    if (this.#shutdown) throw new InterruptedError();
    const supervised = this.#services.get(service.name);
    if (!this.#keepGoing || !supervised) return void (await supervised?.start());
    const downDependency = service.dependsOn.find((name) => this.#keepGoing?.down().includes(name));
    if (downDependency !== undefined) return supervised.block(downDependency);
    // Keep-going: the failure is reported by the service (with its last lines); the others go on.
    await supervised.start().catch((error: unknown) => {
      if (!(error instanceof UserError) || this.#shutdown) throw error;
    });
  }

  #onServiceEnd(name: string, end: ServiceEnd): void {
    // Keep-going: supervision goes on, even with every service down, until Ctrl-C.
    if (this.#shutdown || this.#keepGoing) return;
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
    // A restart's stopped services are about to run again.
    if (this.#operations.restarting || this.#keepGoing) return;
    // Stopped from the dashboard: not gone for good, it may be started again.
    const services = [...this.#services.values()].filter((service) => !this.#operations.stoppedOnRequest(service.name));
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
    const watchers = this.#keepGoing?.close();
    this.#shutdown = Promise.all([this.#stopAll(), watchers]).then(() => {
      this.#phase = 'stopped';
      this.#state.end();
      this.#output.close();
      this.#finished.resolve(cause);
    });
    return this.#shutdown;
  }

  /** Dependents first: a service is stopped once everything that depends on it has stopped. */
  async #stopAll(): Promise<void> {
    await new DependencyGraph(this.#settings).dependentsFirst(async (service) =>
      this.#services.get(service.name)?.stop(),
    );
    await this.#stopDetached();
  }

  /** What left its service's process group (setsid) but still carries the session's marker. */
  async #stopDetached(): Promise<void> {
    if (this.#options.session === undefined) return;
    for (const line of await stopDetachedProcesses(this.#options.session)) this.#output.write(`devup: ${line}\n`);
  }
}
