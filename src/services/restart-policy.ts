import type { ServiceSettings } from '../config/types.js';
import { formatDuration } from '../lib/format.js';

export interface RestartPolicyOptions {
  /** Delay before the first restart; doubles with each further restart inside the window. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Restarts allowed inside `windowMs`; one more crash and devup gives up. */
  maxRestarts: number;
  /** Restarts older than this are forgotten, so a service that ran fine for a while starts afresh. */
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRestarts: 5,
  windowMs: 60_000,
};

/** How a service's main process ended. `signal` is set when a signal killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type RestartDecision =
  | { action: 'restart'; attempt: number; delayMs: number }
  /** Exited with code 0: not a crash, so never restarted. */
  | { action: 'stay-exited' }
  | { action: 'give-up'; reason: string };

export function isCleanExit(exit: ProcessExit): boolean {
  return exit.code === 0 && exit.signal === null;
}

export function describeExit(exit: ProcessExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

/** Decides what happens after a service's process ends: `restart: 'on-failure'` with capped exponential backoff. */
export class RestartPolicy {
  readonly #mode: ServiceSettings['restart'];
  readonly #options: RestartPolicyOptions;
  #restartTimes: number[] = [];

  constructor(mode: ServiceSettings['restart'], options: Partial<RestartPolicyOptions> = {}) {
    this.#mode = mode;
    this.#options = { ...DEFAULT_RESTART_POLICY, ...options };
  }

  get options(): RestartPolicyOptions {
    return this.#options;
  }

  decide(exit: ProcessExit, now: number): RestartDecision {
    if (isCleanExit(exit)) return { action: 'stay-exited' };
    if (this.#mode === 'no') return { action: 'give-up', reason: 'restart is "no"' };
    const { baseDelayMs, maxDelayMs, maxRestarts, windowMs } = this.#options;
    this.#restartTimes = this.#restartTimes.filter((time) => now - time < windowMs);
    if (this.#restartTimes.length >= maxRestarts) {
      return {
        action: 'give-up',
        reason: `crashed again after ${maxRestarts} restart${maxRestarts === 1 ? '' : 's'} within ${formatDuration(windowMs)}`,
      };
    }
    this.#restartTimes.push(now);
    const attempt = this.#restartTimes.length;
    return { action: 'restart', attempt, delayMs: Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) };
  }
}
