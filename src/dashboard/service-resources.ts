import type { ReadyCheck, ServiceSettings } from '../config/types.js';
import { UserError } from '../errors.js';
import { describeExit } from '../services/restart-policy.js';
import type { ServiceEvent } from '../services/service-status.js';
import type { ServiceSupervisor } from '../services/service-supervisor.js';
import type { ResourceAction, ResourceSource, ResourceState } from './resource-state.js';

type Supervisor = Pick<ServiceSupervisor, 'states' | 'restart' | 'stopOne' | 'startOne' | 'environment'>;

interface History {
  startedAt: string | null;
  restarts: number;
  lastExit: string | null;
  /** Why devup gave up on it (its 'failed' event), until it starts again. */
  failure: string | null;
}

/** The down states of keep-going: failed for good, or not started because a dependency is. */
const DOWN = ['failed', 'blocked'];

function readinessOf(ready: ReadyCheck): string {
  switch (ready.kind) {
    case 'http':
      return `GET ${ready.url}`;
    case 'tcp':
      return `TCP port ${ready.port}`;
    case 'log':
      return `log line /${ready.pattern.source}/`;
    case 'none':
      return 'none (ready once started)';
  }
}

/**
 * The services of a `devup dev` as resources: the supervisor's states, plus what its events tell
 * (when the current process started, how often it restarted, how it last exited).
 */
export class ServiceResources implements ResourceSource {
  readonly kind = 'service' as const;
  readonly #supervisor: Supervisor;
  readonly #settings: Map<string, ServiceSettings>;
  readonly #history = new Map<string, History>();
  readonly #listeners = new Set<() => void>();
  readonly #readOnly: boolean;

  constructor(supervisor: Supervisor, services: ServiceSettings[], options: { readOnly: boolean }) {
    this.#supervisor = supervisor;
    this.#settings = new Map(services.filter((s) => s.command !== undefined).map((s) => [s.name, s]));
    for (const name of this.#settings.keys())
      this.#history.set(name, { startedAt: null, restarts: 0, lastExit: null, failure: null });
    this.#readOnly = options.readOnly;
  }

  /** The supervisor's events (start-services passes each one on). */
  observe(event: ServiceEvent): void {
    const history = this.#history.get(event.service);
    if (!history) return;
    if (event.type === 'starting') {
      history.startedAt = new Date().toISOString();
      history.failure = null;
      if (event.attempt > 1) history.restarts++;
    }
    if (event.type === 'exited') {
      history.startedAt = null;
      history.lastExit = `${describeExit(event)}${event.expected ? ' (stopped by devup)' : ''}`;
    }
    if (event.type === 'failed') {
      if (event.exit) history.lastExit = describeExit(event.exit);
      history.failure = event.reason;
    }
    this.changed();
  }

  /** A status change the events do not carry (the state file's writes). */
  changed(): void {
    for (const listener of this.#listeners) listener();
  }

  states(): ResourceState[] {
    const states = this.#supervisor.states();
    return states.map((s) => {
      const history = this.#history.get(s.name);
      const settings = this.#settings.get(s.name);
      const running = s.pid !== undefined;
      // Blocked starts with the dependency it waits for (starting that one starts it too).
      const actions: ResourceAction[] =
        this.#readOnly || s.status === 'blocked' ? [] : running ? ['stop', 'restart'] : ['start'];
      const down = settings?.dependsOn.find((name) => DOWN.includes(states.find((d) => d.name === name)?.status ?? ''));
      return {
        kind: 'service',
        name: s.name,
        state: s.status,
        pid: s.pid ?? null,
        container: null,
        startedAt: running ? (history?.startedAt ?? null) : null,
        url: s.url ?? null,
        readiness: settings ? readinessOf(settings.ready) : 'unknown',
        readyMs: s.readyMs ?? null,
        restarts: history?.restarts ?? 0,
        lastExit: history?.lastExit ?? null,
        detail:
          s.status === 'blocked'
            ? `not started: it depends on ${down ?? 'a service'}, which is down (start that one)`
            : s.status === 'failed'
              ? (history?.failure ?? null)
              : null,
        env: {},
        actions,
      };
    });
  }

  async act(name: string, action: ResourceAction): Promise<void> {
    if (!this.#settings.has(name)) throw new UserError(`no service named ${name}`);
    const history = this.#history.get(name);
    if (action === 'stop') return this.#supervisor.stopOne(name);
    if (history && action === 'restart') history.restarts++;
    if (action === 'start') return this.#supervisor.startOne(name);
    await this.#supervisor.restart([name]);
  }

  environment(name: string): Promise<Record<string, string>> | undefined {
    return this.#supervisor.environment(name);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
