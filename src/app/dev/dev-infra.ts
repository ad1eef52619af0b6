import { infraNeededBy } from '../../config/normalise/infra-rules.js';
import type { InfraSettings, ResolvedConfig, ServiceSettings } from '../../config/types.js';
import type { InfraFeed } from '../../dashboard/infra-resources.js';
import { DockerApi } from '../../database/docker/api.js';
import { bootInfra, infraOwner } from '../../infra/boot-infra.js';
import { type InfraState, infraStates } from '../../infra/infra-state.js';
import { describeInfraReady, displayUrl, infraPlaceholderValues } from '../../infra/infra-values.js';
import type { StartedInfra } from '../../infra/start-infra.js';
import { watchInfraExits } from '../../infra/watch-infra.js';
import { formatDuration } from '../../lib/format.js';
import { secretMasker } from '../../lib/secret-mask.js';
import type { Output } from '../../ui/output.js';
import type { CommandContext } from '../context.js';

/** The infra of a `devup dev` run: what started, the values services read, and the exit watch. */
export interface DevInfra {
  started: StartedInfra[];
  /** `{infra.NAME.FIELD}` values for the services' env. */
  values: Record<string, string>;
  /** Rows of the ready table: name, URL, how long it took. */
  rows: { name: string; url: string; readyMs: number }[];
  /** Reports (one line) an infra container that dies while services run; the closer ends the watch. */
  watch(output: Output): Promise<() => void>;
  /** What the dashboard shows of it (its rows on the Resources page). */
  feed: InfraFeed;
}

/** The entries this run needs: all of them, or with --only those the chosen services use. */
export function infraForRun(
  config: Pick<ResolvedConfig, 'infra'>,
  services: ServiceSettings[],
  only: boolean,
): InfraSettings[] {
  if (!only) return config.infra;
  const needed = new Set(infraNeededBy(services, config.infra));
  return config.infra.filter((entry) => needed.has(entry.name));
}

/** Whose infra it is (the project, this checkout, its Docker names) and where its native data lives. */
export type InfraBootSettings = Pick<ResolvedConfig, 'project' | 'root' | 'database' | 'stateDir'>;

/** Starts the entries (in parallel with Postgres: the caller does not wait for one before the other). */
export async function bootDevInfra(
  ctx: CommandContext,
  config: InfraBootSettings,
  entries: InfraSettings[],
): Promise<DevInfra> {
  const { output } = ctx;
  const api = new DockerApi();
  const { engine, started } = await bootInfra(
    config,
    entries,
    { notice: (m) => output.notice(m), progress: (m) => output.debug(m) },
    api,
  );
  const changed = new Set<(died: string) => void>();
  const values = infraPlaceholderValues(entries);
  return {
    started,
    values,
    rows: started.map((s) => ({ name: s.entry.name, url: displayUrl(s.entry), readyMs: s.readyMs })),
    watch: async (out) => {
      if (engine !== 'docker') return () => {};
      return watchInfraExits(api, infraOwner(config), (line, event) => {
        out.warn(line);
        out.event({ event: 'infra-exited', ...event });
        for (const listener of changed) listener(event.infra);
      }).catch(() => () => {});
    },
    feed: {
      states: () =>
        engine === 'docker' ? infraStates(api, entries, infraOwner(config)) : Promise.resolve(started.map(nativeState)),
      readiness: new Map(
        started.map((s) => [s.entry.name, { check: describeInfraReady(s.entry.ready), readyMs: s.readyMs }]),
      ),
      environment: (name) => {
        const entry = entries.find((e) => e.name === name);
        if (!entry) return undefined;
        const mask = secretMasker(entry.password);
        const own = Object.entries(values).filter(([key]) => key.startsWith(`infra.${name}.`));
        return Object.fromEntries([...Object.entries(entry.env), ...own].map(([k, v]) => [k, mask(v)]));
      },
      onChange: (listener) => {
        changed.add(listener);
        return () => changed.delete(listener);
      },
    },
  };
}

/** Without Docker: the program devup started (its description names it and its pid). */
function nativeState(started: StartedInfra): InfraState {
  const { entry } = started;
  return {
    name: entry.name,
    kind: entry.kind,
    image: entry.image,
    container: '',
    containerId: undefined,
    state: 'running',
    ports: entry.ports,
    url: displayUrl(entry),
    ready: true,
    outdated: false,
    createdAt: undefined,
    status: started.description,
  };
}

/** One line per entry: what devup did and how long it took (the URL is in the ready table). */
export function reportInfraReady(output: Output, infra: DevInfra): void {
  const actions = { reused: 'already running', started: 'started', created: 'created', recreated: 'recreated' };
  for (const s of infra.started) {
    output.line(
      `${output.style('green', '✔')} ${s.entry.name} ready: ${s.description} (${actions[s.action]}, ${formatDuration(s.readyMs)})`,
    );
    output.event({
      event: 'infra-ready',
      name: s.entry.name,
      action: s.action,
      ms: Math.round(s.readyMs),
      url: displayUrl(s.entry),
    });
  }
}
