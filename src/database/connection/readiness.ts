import type pg from 'pg';
import { type ConnectionInfo, connect, type PgError } from './connection.js';
import { isServerWithoutTls } from './tls.js';

export interface ReadinessOptions {
  timeoutMs: number;
  /** Hand back the connection that answered (the caller ends it) instead of closing it. */
  keepClient?: boolean;
  /** Poll interval; tens of milliseconds, so "ready" is noticed as soon as it is true. */
  intervalMs?: number;
  /** Errors that mean "stop waiting, this will not get better" (e.g. a bad password). */
  isFatal?: (error: PgError) => boolean;
  /** Errors that mean "not yet" here, beyond the usual (`--wait`: a DNS name not resolving yet). */
  isTransient?: (error: PgError) => boolean;
  /** Called about every `progressEveryMs` while still waiting, for a progress line. */
  onWaiting?: (lastError: unknown, elapsedMs: number) => void;
  progressEveryMs?: number;
  /** Checked between attempts: a container that exited will never answer. */
  stillStarting?: () => Promise<boolean>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ReadinessResult =
  | { ready: true; elapsedMs: number; attempts: number; client?: pg.Client }
  | { ready: false; reason: 'timeout' | 'fatal' | 'exited'; lastError: unknown; elapsedMs: number; attempts: number };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Errors while a server is still coming up: refused, reset, "the database system is starting up". */
function isTransient(error: PgError): boolean {
  // A server that says it has no TLS will not grow it while we wait.
  if (isServerWithoutTls(error)) return false;
  return (
    error.code === undefined ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P03', '53300'].includes(error.code)
  );
}

/**
 * Ready means: a real TCP connection with the configured credentials answers `select 1`.
 * Polls every `intervalMs` until `timeoutMs`; never reports ready on an open port alone.
 */
export async function waitForPostgres(info: ConnectionInfo, options: ReadinessOptions): Promise<ReadinessResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.intervalMs ?? 25;
  const started = now();
  let attempts = 0;
  let lastError: unknown;
  let lastProgress = started;
  for (;;) {
    attempts++;
    try {
      const client = await connect(info);
      let kept = false;
      try {
        await client.query('select 1');
        kept = options.keepClient === true;
        return { ready: true, elapsedMs: now() - started, attempts, ...(kept ? { client } : {}) };
      } finally {
        if (!kept) await client.end().catch(() => {});
      }
    } catch (error) {
      lastError = error;
      const pgError = error as PgError;
      if (options.isFatal?.(pgError) || !(isTransient(pgError) || options.isTransient?.(pgError))) {
        return { ready: false, reason: 'fatal', lastError, elapsedMs: now() - started, attempts };
      }
    }
    if (options.stillStarting && !(await options.stillStarting())) {
      return { ready: false, reason: 'exited', lastError, elapsedMs: now() - started, attempts };
    }
    if (now() - started >= options.timeoutMs) {
      return { ready: false, reason: 'timeout', lastError, elapsedMs: now() - started, attempts };
    }
    if (options.onWaiting && now() - lastProgress >= (options.progressEveryMs ?? 3_000)) {
      lastProgress = now();
      options.onWaiting(lastError, lastProgress - started);
    }
    await sleep(interval);
  }
}
