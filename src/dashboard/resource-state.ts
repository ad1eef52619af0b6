/**
 * The one model of what a `devup dev` runs, shared by the dashboard's stream and `devup status
 * --json`: Postgres, services, and (from the infra feature) infra containers are each a resource.
 */
export type ResourceKind = 'postgres' | 'service' | 'infra';
export type ResourceAction = 'start' | 'stop' | 'restart';

export interface ResourceState {
  kind: ResourceKind;
  name: string;
  /** The supervisor's words: starting, ready, restarting, exited, failed, blocked (keep-going). */
  state: string;
  pid: number | null;
  /** A Docker container's name, for Postgres in Docker and infra. */
  container: string | null;
  /** When the current process (or container) started, ISO 8601; the page counts the uptime. */
  startedAt: string | null;
  url: string | null;
  /** What readiness means for it, and how long it took the last time. */
  readiness: string;
  readyMs: number | null;
  restarts: number;
  /** The last exit devup saw, in words ("exited with code 1", "killed by SIGTERM"). */
  lastExit: string | null;
  /** Why it is down: why devup gave up on it, or (blocked) the dependency that is down. */
  detail: string | null;
  /** What it runs with, secrets masked; filled on request (GET /api/env), empty in the stream. */
  env: Record<string, string>;
  /** What the dashboard may ask of it (none in read-only mode). */
  actions: ResourceAction[];
}

/**
 * A family of resources: the services' supervisor, the Postgres engine, and the infra seam
 * (infra-resources.ts). The dashboard knows nothing else about where a resource comes from.
 */
export interface ResourceSource {
  readonly kind: ResourceKind;
  states(): ResourceState[];
  /** Runs an action; rejects with a UserError the page shows. */
  act(name: string, action: ResourceAction): Promise<void>;
  environment(name: string): Promise<Record<string, string>> | undefined;
  /** Called whenever a state may have changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}
