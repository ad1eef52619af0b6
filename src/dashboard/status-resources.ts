import type { EngineStatus } from '../database/engine.js';
import type { DevSessionState } from '../services/dev-session.js';
import { liveDashboard } from './dashboard-file.js';
import { COOKIE } from './request-guard.js';
import type { ResourceState } from './resource-state.js';

/**
 * `devup status --json`'s `resources`: the running dashboard's own model when one serves (the
 * same states the page shows), else the same shape built from the session's state file and
 * the infra states status asked Docker for (`infra`).
 */
export async function statusResources(
  stateDir: string,
  engine: EngineStatus,
  session: DevSessionState | undefined,
  infra: readonly ResourceState[] = [],
): Promise<ResourceState[]> {
  const dashboard = liveDashboard(stateDir);
  if (dashboard) {
    const url = new URL(dashboard.url);
    const token = url.searchParams.get('token') ?? '';
    try {
      const response = await fetch(new URL('/api/state', url.origin), {
        headers: { cookie: `${COOKIE}=${token}` },
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok) return ((await response.json()) as { resources: ResourceState[] }).resources;
    } catch {
      // A dashboard that does not answer: the state file tells nearly as much.
    }
  }
  return [...fromStateFile(engine, session), ...infra];
}

function fromStateFile(engine: EngineStatus, session: DevSessionState | undefined): ResourceState[] {
  const base = {
    container: null,
    startedAt: null,
    readyMs: null,
    restarts: 0,
    lastExit: null,
    detail: null,
    env: {},
    actions: [],
  };
  const postgres: ResourceState = {
    ...base,
    kind: 'postgres',
    name: 'postgres',
    state: engine.state === 'running' ? 'ready' : engine.state,
    pid: null,
    url: engine.port === undefined ? null : `postgres://127.0.0.1:${engine.port}`,
    readiness: `${engine.engine}: ${engine.description}`,
  };
  const services = (session?.services ?? []).map(
    (s): ResourceState => ({
      ...base,
      kind: 'service',
      name: s.name,
      state: s.status,
      pid: s.pid ?? null,
      url: s.url ?? null,
      readiness: '',
      readyMs: s.readyMs ?? null,
    }),
  );
  return [postgres, ...services];
}
