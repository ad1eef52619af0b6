import { stripVTControlCharacters } from 'node:util';
import type { ServiceSettings } from '../config/types.js';
import { InterruptedError, UserError } from '../errors.js';
import { formatDuration } from '../lib/format.js';
import type { Clock } from './clock.js';
import { deferred } from './deferred.js';
import type { LogSource } from './log-prefixer.js';
import { type LogReadinessProbe, probeFor, type ReadinessOutcome, waitUntilReady } from './readiness-probe.js';
import { RecentLines } from './recent-lines.js';
import { describeExit, type ProcessExit, RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';
import { ServiceProcess } from './service-process.js';
import type { ServiceEvent, ServiceStatus } from './service-status.js';

/** How long to wait for the last output of a process whose group is gone (a setsid'd escapee may hold the pipe). */
const DRAIN_TIMEOUT_MS = 500;
const REPORT_LINES = 20;

/** A service that stopped running on its own, for good (it will not be restarted). */
export type ServiceEnd = { kind: 'exited'; exit: ProcessExit } | { kind: 'failed'; error: UserError };

export interface SupervisedServiceOptions {
  clock: Clock;
  restartPolicy: Partial<RestartPolicyOptions>;
  buildEnv: () => Promise<Record<string, string>>;
  /** Lines for the combined log. */
  log: (source: LogSource, lines: string[]) => void;
  emit: (event: ServiceEvent) => void;
  onStatusChange: () => void;
  /** Called once, when the service has stopped for good after having been ready. */
  onEnd: (end: ServiceEnd) => void;
  /** What devup does with the other services when this one gives up, for the user to read. */
  afterGivingUp: string;
  /** Keep-going: a failure prints the service's last lines itself (no error carries them to the user). */
  keepGoing?: boolean;
}

/**
 * One service under supervision: spawns it, waits for readiness, restarts it per its policy,
 * reports crashes, and stops it (its whole process group) on request.
 */
export class SupervisedService {
  readonly settings: ServiceSettings;
  status: ServiceStatus = 'starting';
  readyMs: number | null = null;
  readonly #options: SupervisedServiceOptions;
  readonly #policy: RestartPolicy;
  readonly #recent = new RecentLines(REPORT_LINES);
  readonly #firstReady = deferred<number>();
  /** Aborted by stop(): ends readiness waits and restart delays. */
  readonly #stopping = new AbortController();
  /** Aborted by a second stop(): SIGKILL instead of waiting out the grace period. */
  readonly #hurry = new AbortController();
  #everReady = false;
  #settled = false;
  #logProbe: LogReadinessProbe | undefined;
  #spawning: Promise<ServiceProcess | undefined> | undefined;
  #process: ServiceProcess | undefined;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(settings: ServiceSettings, options: SupervisedServiceOptions) {
    this.settings = settings;
    this.#options = options;
    this.#policy = new RestartPolicy(settings.restart, options.restartPolicy);
    // start() hands this promise out; nobody may be listening any more when it rejects.
    this.#firstReady.promise.catch(() => {});
  }

  get name(): string {
    return this.settings.name;
  }

  get pid(): number | null {
    return this.#process?.running ? this.#process.pid : null;
  }

  /** Runs the service; resolves with its time to ready, or rejects (UserError) when it can't get there. */
  start(): Promise<number> {
    if (this.#stopping.signal.aborted) return Promise.reject(new InterruptedError());
    this.#loop ??= this.#run().catch((error: unknown) => this.#fail(asUserError(this.settings, error), undefined));
    return this.#firstReady.promise;
  }

  /** Stops the service and everything in its process group. Safe to call at any time, more than once. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /** No more spawns, restarts or readiness waits; a running process keeps running until stop(). */
  halt(): void {
    this.#stopping.abort();
    this.#firstReady.reject(new InterruptedError());
  }

  /** Skips the remaining grace period: SIGKILL to the group now. */
  hurry(): void {
    this.#hurry.abort();
    const process = this.#process;
    if (process?.group.isAlive()) process.group.killNow();
  }

  async #run(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const env = await this.#options.buildEnv();
      if (this.#stopping.signal.aborted) return;
      const logProbe =
        this.settings.ready.kind === 'log' ? (probeFor(this.settings.ready) as LogReadinessProbe) : undefined;
      this.#logProbe = logProbe;
      this.#spawning = ServiceProcess.spawn(this.settings, {
        env,
        clock: this.#options.clock,
        onLines: (stream, lines) => this.#onOutput(stream, lines),
      });
      const process = await this.#spawning;
      if (process === undefined) return;
      this.#process = process;
      if (this.#stopping.signal.aborted) return; // stop() terminates it
      this.#setStatus('starting');
      this.#options.emit({ type: 'starting', service: this.name, pid: process.pid, attempt });

      const readiness = await this.#waitForReadiness(process, logProbe);
      if (this.#stopping.signal.aborted) return;
      if (readiness.ready) {
        this.readyMs = Math.round(this.#options.clock.now() - process.spawnedAt);
        this.#setStatus('ready');
        this.#options.emit({ type: 'ready', service: this.name, ms: this.readyMs });
        if (this.#everReady) this.#notice(`ready again in ${formatDuration(this.readyMs)}`);
        this.#everReady = true;
        this.#firstReady.resolve(this.readyMs);
      } else if (readiness.reason === 'timeout') {
        await this.#failReadiness(process, readiness);
        return;
      }

      const exit = await process.exited;
      if (this.#stopping.signal.aborted) return;
      // The main process ended by itself: clear out what it left in its group, and read its last words.
      await process.group.terminate(this.settings.stopTimeoutMs, this.#hurry.signal);
      await process.drain(DRAIN_TIMEOUT_MS);
      if (this.#stopping.signal.aborted) return;
      this.#options.emit({ type: 'exited', service: this.name, expected: false, ...exit });

      if (!(await this.#restartAfter(exit))) return;
    }
  }

  /** After the main process ended by itself: true once the policy's delay for a restart is over. */
  async #restartAfter(exit: ProcessExit): Promise<boolean> {
    const decision = this.#policy.decide(exit, this.#options.clock.now());
    if (decision.action === 'restart') {
      const { maxRestarts } = this.#policy.options;
      this.#notice(
        `${describeExit(exit)}; restarting in ${formatDuration(decision.delayMs)} (restart ${decision.attempt} of ${maxRestarts})`,
      );
      this.#setStatus('restarting');
      this.#options.emit({
        type: 'restarting',
        service: this.name,
        attempt: decision.attempt,
        delayMs: decision.delayMs,
      });
      await this.#options.clock.sleep(decision.delayMs, this.#stopping.signal);
      return !this.#stopping.signal.aborted;
    }
    if (decision.action === 'stay-exited' && this.#everReady) {
      this.#notice(`${describeExit(exit)}; ${this.#options.afterGivingUp}`);
      this.#setStatus('exited');
      this.#settled = true;
      this.#options.onEnd({ kind: 'exited', exit });
      return false;
    }
    // With restart "no" the exit says it all; after restarts, say how many.
    const why = decision.action === 'give-up' && this.settings.restart === 'on-failure' ? decision.reason : undefined;
    this.#fail(this.#exitError(exit, why), exit);
    return false;
  }

  #waitForReadiness(process: ServiceProcess, logProbe: LogReadinessProbe | undefined): Promise<ReadinessOutcome> {
    const exitedEarly = new AbortController();
    void process.exited.then(() => exitedEarly.abort());
    return waitUntilReady(logProbe ?? probeFor(this.settings.ready), {
      timeoutMs: this.settings.readyTimeoutMs,
      clock: this.#options.clock,
      signal: AbortSignal.any([this.#stopping.signal, exitedEarly.signal]),
    });
  }

  #onOutput(stream: 'stdout' | 'stderr', lines: string[]): void {
    this.#options.log(stream, lines);
    const probe = this.#logProbe?.matched === false ? this.#logProbe : undefined;
    // Only the lines a failure report can show are kept, and as copies: a line cut from a large
    // chunk would otherwise hold the whole chunk in memory (a flood of output must stay cheap).
    const keepFrom = Math.max(0, lines.length - REPORT_LINES);
    for (let i = probe ? 0 : keepFrom; i < lines.length; i++) {
      const plain = stripVTControlCharacters(lines[i] as string);
      probe?.observe(plain);
      if (i >= keepFrom) this.#recent.add(Buffer.from(plain).toString());
    }
  }

  async #failReadiness(process: ServiceProcess, readiness: ReadinessOutcome & { ready: false }): Promise<void> {
    const waitedFor = probeFor(this.settings.ready).description;
    const last = readiness.lastDetail === undefined ? '' : ` (last attempt: ${readiness.lastDetail})`;
    const timeout = formatDuration(this.settings.readyTimeoutMs);
    this.#notice(`not ready after ${timeout}: waited for ${waitedFor}${last}; stopping it`);
    await process.group.terminate(this.settings.stopTimeoutMs, this.#hurry.signal);
    await process.drain(DRAIN_TIMEOUT_MS);
    const error = new UserError(`Service "${this.name}" was not ready within ${timeout}`, {
      details: [`devup waited for ${waitedFor}${last}.`, ...this.#lastLinesReport()],
      hint: `${this.#whatNext()} If the service is just slow to start, raise services.${this.name}.ready.timeout (now ${this.settings.readyTimeoutMs}); otherwise check that it answers what devup waits for.`,
    });
    this.#fail(error, undefined);
  }

  #exitError(exit: ProcessExit, why: string | undefined): UserError {
    const when = this.#everReady ? '' : ' before it was ready';
    return new UserError(`Service "${this.name}" ${describeExit(exit)}${when}${why === undefined ? '' : ` (${why})`}`, {
      details: this.#lastLinesReport(),
      hint: this.#whatNext(),
    });
  }

  #whatNext(): string {
    if (this.#everReady || this.#options.keepGoing) return `devup gave up on it; ${this.#options.afterGivingUp}.`;
    return 'devup stopped the services it had started (`devup dev --keep-going` keeps the others running).';
  }

  #lastLinesReport(): string[] {
    const lines = this.#recent.last();
    if (lines.length === 0) return [`${this.name} printed nothing.`];
    return [`Last lines of ${this.name}:`, ...lines.map((line) => `  ${line}`)];
  }

  #fail(error: UserError, exit: ProcessExit | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#setStatus('failed');
    const what = error.message.replace(`Service "${this.name}" `, '');
    const report = this.#lastLinesReport();
    this.#notice(this.#everReady || this.#options.keepGoing ? `${what}; ${this.#options.afterGivingUp}` : what);
    if (this.#options.keepGoing) this.#options.log('devup', report);
    this.#options.emit({
      type: 'failed',
      service: this.name,
      reason: error.message,
      lastLines: this.#recent.last(),
      exit,
    });
    if (this.#everReady) this.#options.onEnd({ kind: 'failed', error });
    else this.#firstReady.reject(error);
  }

  /** Keep-going: not started, because `dependency` failed; it starts when that one is restarted. */
  block(dependency: string): void {
    if (this.#loop !== undefined || this.#settled) return;
    this.#settled = true;
    this.#firstReady.reject(new InterruptedError());
    this.#setStatus('blocked');
    this.#notice(`not started: it depends on ${dependency}, which is down`);
  }

  async #stop(): Promise<void> {
    this.halt();
    // A spawn in flight finishes first, so its process is in hand to be stopped.
    const process = this.#spawning ? await this.#spawning.catch(() => undefined) : this.#process;
    if (process?.group.isAlive()) {
      const wasRunning = process.running;
      const outcome = await process.group.terminate(this.settings.stopTimeoutMs, this.#hurry.signal);
      if (outcome === 'killed' && !this.#hurry.signal.aborted) {
        this.#notice(`did not stop within ${formatDuration(this.settings.stopTimeoutMs)} of SIGTERM; killed`);
      } else if (outcome === 'stuck') {
        this.#notice(`some of its processes (group ${process.pid}) survived SIGKILL`);
      }
      if (outcome === 'stuck') return;
      await process.drain(DRAIN_TIMEOUT_MS);
      if (wasRunning)
        this.#options.emit({ type: 'exited', service: this.name, expected: true, ...(await process.exited) });
    }
    await this.#loop;
    if (this.status !== 'failed' && this.status !== 'blocked') this.#setStatus('exited');
  }

  #notice(text: string): void {
    this.#recent.add(`[devup] ${text}`);
    this.#options.log('devup', [text]);
  }

  #setStatus(status: ServiceStatus): void {
    this.status = status;
    this.#options.onStatusChange();
  }
}

function asUserError(service: ServiceSettings, error: unknown): UserError {
  if (error instanceof UserError) return error;
  return new UserError(`Could not start service "${service.name}": ${(error as Error).message ?? String(error)}`, {
    cause: error,
  });
}
