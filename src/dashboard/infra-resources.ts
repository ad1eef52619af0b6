import { UserError } from '../errors.js';
import type { InfraState } from '../infra/infra-state.js';
import type { ResourceSource, ResourceState } from './resource-state.js';

/**
 * What a `devup dev`'s infra hands the dashboard (app/dev/dev-infra.ts builds it): the states
 * from one Docker call, what this run measured, and a signal when a container dies.
 */
export interface InfraFeed {
  /** Each entry's state now (infraStates: one list call), or what runs it natively. */
  states(): Promise<InfraState[]>;
  /** Per entry: its readiness check in words, and how long it took to be ready in this run. */
  readiness: ReadonlyMap<string, { check: string; readyMs: number }>;
  /** What the entry runs with (its container's environment and the values services read). */
  environment(name: string): Record<string, string> | undefined;
  /** Called with the entry's name when its container dies (Docker's event stream); returns the unsubscribe. */
  onChange(listener: (died: string) => void): () => void;
}

/** One infra entry as a resource: the page's row and a row of `status --json`'s `resources`. */
export function infraResourceState(state: InfraState, measured?: { check: string; readyMs?: number }): ResourceState {
  const running = state.state === 'running';
  const exited = !running && state.status?.startsWith('Exited') === true;
  return {
    kind: 'infra',
    name: state.name,
    state: running ? 'ready' : state.state,
    pid: null,
    container: state.state === 'absent' || state.container === '' ? null : state.container,
    // Docker's list gives no start time (only its "Up 5 minutes", shown as the detail).
    startedAt: null,
    url: state.url || null,
    readiness: measured?.check ?? '',
    readyMs: measured?.readyMs === undefined ? null : Math.round(measured.readyMs),
    restarts: 0,
    lastExit: exited ? (state.status ?? null) : null,
    detail: state.outdated
      ? 'config changed: the next `devup dev` recreates it'
      : state.state === 'absent'
        ? 'no container (`devup dev` creates it)'
        : exited
          ? null
          : (state.status ?? null),
    env: {},
    actions: [],
  };
}

const STALE_RETRIES = 20;
const STALE_RETRY_MS = 100;

/**
 * The infra of the session as resources. The page's stream reads states synchronously, so the
 * last answer of Docker is kept and asked again only when a container dies: no polling of the
 * engine while the page is open.
 */
export class InfraResources implements ResourceSource {
  readonly kind = 'infra' as const;
  readonly #feed: InfraFeed;
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: () => void;
  #states: InfraState[] = [];

  constructor(feed: InfraFeed, initial: InfraState[]) {
    this.#feed = feed;
    this.#states = initial;
    this.#unsubscribe = feed.onChange((died) => void this.refresh(died));
  }

  /**
   * Asks the engine again and tells the page; an engine that does not answer keeps the last
   * states. Docker sends `die` before its list says so (measured: the list right after the event
   * still said running), so after a death the list is asked again until it agrees, for up to 2 s.
   */
  async refresh(died?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let states: InfraState[];
      try {
        states = await this.#feed.states();
      } catch {
        return;
      }
      const stale = died !== undefined && states.find((s) => s.name === died)?.state === 'running';
      if (!stale || attempt >= STALE_RETRIES) {
        this.#states = states;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, STALE_RETRY_MS));
    }
    for (const listener of this.#listeners) listener();
  }

  states(): ResourceState[] {
    return this.#states.map((s) => infraResourceState(s, this.#feed.readiness.get(s.name)));
  }

  act(name: string): Promise<void> {
    return Promise.reject(
      new UserError(`infra.${name} is not stopped or restarted from the dashboard`, {
        hint: `The services use it: \`devup down\` stops it, \`devup reset --infra ${name}\` empties it.`,
      }),
    );
  }

  environment(name: string): Promise<Record<string, string>> | undefined {
    const env = this.#feed.environment(name);
    return env === undefined ? undefined : Promise.resolve(env);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#unsubscribe();
  }
}

/** The seam dashboard.ts calls: the session's infra as a source, or none when it runs no infra. */
export async function infraResourceSource(feed: InfraFeed | undefined): Promise<InfraResources | undefined> {
  if (feed === undefined) return undefined;
  const initial = await feed.states().catch(() => []);
  return new InfraResources(feed, initial);
}
