import type { ServiceSettings } from '../config/types.js';
import type { UserError } from '../errors.js';
import type { Clock } from './clock.js';
import type { LogSource } from './log-prefixer.js';
import type { RestartPolicyOptions } from './restart-policy.js';
import type { ServiceEvent } from './service-status.js';

export interface SupervisorOptions {
  /** The services to run (already the selected subset), in config order. */
  services: ServiceSettings[];
  /** devup's connection variables for a service (DATABASE_URL, PG*, DEVUP_*); see service-env.ts for precedence. */
  env: (service: ServiceSettings) => Record<string, string>;
  /** The project's .env, parsed. */
  dotenv: Record<string, string>;
  /** `{infra.NAME.PART}` values for the services' env (keyed `infra.cache.url`). */
  infra?: Readonly<Record<string, string>>;
  /** Resolves when the service's migrations are done. A service starts after its gate and its dependsOn are ready. */
  gate?: (service: string) => Promise<void>;
  /** Where the prefixed log lines go (stdout). */
  write: (text: string) => void;
  /** Coloured prefixes; children get FORCE_COLOR=1 (true) or NO_COLOR=1 (false). */
  color: boolean;
  onEvent?: (event: ServiceEvent) => void;
  /** Each service's lines as they come, unprefixed (the dashboard's live log stream). */
  onLines?: (service: string, source: LogSource, lines: string[]) => void;
  /** What happens to the others when one service stops for good after being ready. */
  onServiceExit?: 'keep-running' | 'stop-all';
  /** A JSON file kept current while supervising (see RuntimeState); removed on stop. */
  stateFile?: string;
  /** The environment services inherit; process.env unless a test says otherwise. */
  inheritedEnv?: NodeJS.ProcessEnv;
  /** Backoff and cap for `restart: 'on-failure'` (defaults: 250 ms doubling to 8 s, 5 restarts per 60 s). */
  restartPolicy?: Partial<RestartPolicyOptions>;
  clock?: Clock;
  /**
   * The session id every service inherits as DEVUP_SESSION: at stop, a process that still carries
   * it (a daemon a service detached with setsid) is found and stopped too.
   */
  session?: string;
  /**
   * Keep-going: a service that fails (to start, or for good later) leaves the others running and
   * devup running; it restarts on restart() or when one of its files changes.
   */
  keepGoing?: boolean;
  /**
   * Where every service's lines are also kept, in bounded files (`devup logs` reads them); the
   * last session's are removed at start. `mask` hides secrets, as on the screen.
   */
  logs?: { dir: string; mask: (text: string) => string };
}

export interface ReadyService {
  name: string;
  pid: number | null;
  /** From the process running to the readiness check passing: the service's own start-up time. */
  readyMs: number;
  url: string | null;
}

export interface StartedServices {
  /** In config order; services without a command (migrations only) are not listed, nor down ones. */
  services: ReadyService[];
  /** Keep-going: the services that failed or were not started because a dependency failed. */
  down: string[];
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
