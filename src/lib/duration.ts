import { UsageError } from '../errors.js';

/** Durations as people write them in flags and config: `500ms`, `30s`, `2m`, `1h`, `1d`. */
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * The longest duration devup takes: 2^31-1 ms (24.8 days). Postgres refuses a larger
 * statement_timeout or lock_timeout (22023), and Node fires a longer timer at once.
 */
export const MAX_DURATION_MS = 2_147_483_647;

export const DURATION_EXAMPLES = '500ms, 30s, 2m, 1d';

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

/** What is wrong with a duration written as text or milliseconds, or undefined when it is usable. */
export function durationProblem(value: string | number): string | undefined {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined) return `not a duration (write e.g. ${DURATION_EXAMPLES})`;
  if (ms > MAX_DURATION_MS) {
    return `${typeof value === 'number' ? `${value} ms` : value.trim()} is longer than 24.8 days (${MAX_DURATION_MS} ms), the most Postgres and Node timers accept`;
  }
  return undefined;
}

/** A duration flag (`--wait 30s`) in milliseconds, or undefined when not given; a usage error when unusable. */
export function durationFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const problem = durationProblem(value);
  if (problem !== undefined) throw new UsageError(`${flag} ${value}: ${problem}`);
  return parseDuration(value);
}
