import type { ProcessExit } from './restart-policy.js';

/**
 * Where a supervised service is in its life. 'starting' covers waiting for migrations and
 * dependencies too; 'blocked' (keep-going) is not started because a dependency failed.
 */
export type ServiceStatus = 'starting' | 'ready' | 'exited' | 'failed' | 'restarting' | 'blocked';

/** What the supervisor reports as it goes; the UI renders these, the log stream shows crashes too. */
export type ServiceEvent =
  | { type: 'starting'; service: string; pid: number; attempt: number }
  | { type: 'ready'; service: string; ms: number }
  /** The main process ended. `expected` when devup stopped it. */
  | ({ type: 'exited'; service: string; expected: boolean } & ProcessExit)
  | { type: 'restarting'; service: string; attempt: number; delayMs: number }
  /** devup gave up on the service: it will not run again until the next `devup dev`. */
  | { type: 'failed'; service: string; reason: string; lastLines: string[]; exit: ProcessExit | undefined };

/** A service as the state file and status views show it. */
export interface ServiceState {
  name: string;
  /** Absent when no process runs (not started yet, exited, failed). */
  pid?: number;
  /** The process's start time (ProcessIdentity.started): a later session tells it from a reused pid. */
  started?: string;
  port?: number;
  url?: string;
  status: ServiceStatus;
  /** Absent until the service has been ready once. */
  readyMs?: number;
}
