import { UserError } from '../errors.js';
import type { ConnectionInfo } from './connection/connection.js';

/** The engine itself cannot be reached (no Docker socket, a daemon that does not answer): not a failure of the database in it. */
export class EngineUnavailableError extends UserError {}

export type ConcreteEngine = 'docker' | 'embedded' | 'external';

/** Postgres answering `select 1` with the configured credentials. */
export interface RunningDatabase {
  engine: ConcreteEngine;
  /** Superuser (docker, embedded) or the given user (external) on the main database. */
  connection: ConnectionInfo;
  /** One line for people: "container devup-demo-postgres (postgres:17) on 127.0.0.1:54329". */
  description: string;
  /** What this start did: reused a running server, started a stopped one, or created one. */
  action: 'reused' | 'started' | 'created';
  readyMs: number;
}

/** Something `reset` or `down --volumes` would destroy, named for the confirmation prompt. */
export interface Destroyable {
  kind: 'container' | 'volume' | 'data-directory' | 'schema' | 'database';
  name: string;
  detail?: string;
  /** For a schema: every object it holds, a line per kind, so nobody loses a table unawares. */
  contents?: string[];
}

export interface EngineStatus {
  engine: ConcreteEngine;
  state: 'running' | 'stopped' | 'absent' | 'unreachable';
  description: string;
  port: number | undefined;
  /** External: why the server cannot be used, in words to act on (refused, TLS, credentials). */
  problem?: { error: UserError; answered: boolean } | undefined;
}

export interface ProgressSink {
  /** One-line notices ("No Docker engine answered; using embedded Postgres."). */
  notice(message: string): void;
  /** Transient progress (image pull, initdb); may be dropped in plain output. */
  progress?(message: string): void;
}

export interface StartOptions {
  /** External engine: how long to wait for a server that is not up yet (`migrate --wait`). */
  waitMs?: number | undefined;
  /** External engine: hand back the connection that proved the server ready (the caller ends it). */
  keepClient?: boolean | undefined;
}

export interface DatabaseEngine {
  readonly name: ConcreteEngine;
  /** Where this engine's Postgres answers, without asking the engine anything. */
  readonly connection: ConnectionInfo;
  /** Starts (creating if needed) and waits until ready. */
  start(sink: ProgressSink, options?: StartOptions): Promise<RunningDatabase>;
  /** Stops the server and keeps its data. */
  stop(): Promise<'stopped' | 'not-running'>;
  status(): Promise<EngineStatus>;
  /** Whether this project's own server is what listens on database.port (where the engine can tell). */
  answersOnItsPort?(): boolean;
  /** What `destroy` would remove; only resources devup created for this project. */
  listDestroyable(): Promise<Destroyable[]>;
  destroy(): Promise<void>;
}
