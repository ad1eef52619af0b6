import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { ReadyCheck } from '../config/types.js';
import { type Clock, systemClock } from './clock.js';

/** The result of one look at a service. `detail` says why it isn't ready yet (shown on timeout). */
export interface ProbeAttempt {
  ready: boolean;
  detail?: string;
}

/** One way of telling that a service is ready. A strategy makes single attempts; `waitUntilReady` repeats them. */
export interface ReadinessProbe {
  /** What is being waited for, as a user reads it: `GET http://127.0.0.1:4001/health to answer 2xx`. */
  readonly description: string;
  attempt(signal: AbortSignal): Promise<ProbeAttempt>;
  /** For event-driven probes: calls `listener` when an attempt may now succeed, so nobody waits for the next poll. */
  subscribe?(listener: () => void): () => void;
}

/** Each HTTP or TCP attempt gives up after this, so one hung connection can't eat the whole timeout. */
const ATTEMPT_TIMEOUT_MS = 1_000;

function errorDetail(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code === 'ABORT_ERR' || (error as Error).name === 'AbortError') return 'no answer in time';
  return code ?? (error as Error).message;
}

/** Ready when a GET of the URL answers with a 2xx status. */
export class HttpReadinessProbe implements ReadinessProbe {
  readonly description: string;
  readonly #url: URL;

  constructor(url: string) {
    this.#url = new URL(url);
    this.description = `GET ${url} to answer 2xx`;
  }

  attempt(signal: AbortSignal): Promise<ProbeAttempt> {
    const get = this.#url.protocol === 'https:' ? https.get : http.get;
    // agent: false means a fresh connection per attempt, so no pooled socket outlives the probe;
    // a dev server's self-signed certificate is fine for telling that it answers.
    const options: https.RequestOptions = { agent: false, signal, rejectUnauthorized: false };
    return new Promise((resolve) => {
      const request = get(this.#url, options, (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? { ready: true } : { ready: false, detail: `HTTP ${status}` });
      });
      request.on('error', (error) => resolve({ ready: false, detail: errorDetail(error) }));
    });
  }
}

/** Ready when something accepts a TCP connection on the port, over IPv4 or IPv6 loopback. */
export class TcpReadinessProbe implements ReadinessProbe {
  readonly description: string;
  readonly #port: number;

  constructor(port: number) {
    this.#port = port;
    this.description = `a TCP connection to port ${port}`;
  }

  async attempt(signal: AbortSignal): Promise<ProbeAttempt> {
    // `localhost` may mean ::1 for the service (Node 17+ listens where the name resolves first), so try both.
    const [v4, v6] = await Promise.all([this.#connect('127.0.0.1', signal), this.#connect('::1', signal)]);
    if (v4.ready || v6.ready) return { ready: true };
    return v4;
  }

  #connect(host: string, signal: AbortSignal): Promise<ProbeAttempt> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port: this.#port, signal });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ ready: true });
      });
      socket.once('error', (error) => {
        socket.destroy();
        resolve({ ready: false, detail: errorDetail(error) });
      });
    });
  }
}

/** Ready when the service prints a line matching the pattern (colours stripped before matching). */
export class LogReadinessProbe implements ReadinessProbe {
  readonly description: string;
  readonly #pattern: RegExp;
  readonly #listeners = new Set<() => void>();
  #matched = false;

  constructor(pattern: RegExp) {
    this.#pattern = pattern;
    this.description = `a log line matching ${pattern}`;
  }

  /** Feeds one output line of the service (without ANSI colours). */
  /** Whether a line has matched (observing more lines is then pointless). */
  get matched(): boolean {
    return this.#matched;
  }

  observe(line: string): void {
    if (this.#matched) return;
    this.#pattern.lastIndex = 0; // a /g or /y pattern keeps state between test() calls
    if (!this.#pattern.test(line)) return;
    this.#matched = true;
    for (const listener of this.#listeners) listener();
  }

  async attempt(): Promise<ProbeAttempt> {
    return this.#matched ? { ready: true } : { ready: false, detail: 'no matching line yet' };
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** `ready: none`: the service counts as ready as soon as its process runs. */
export class ImmediateReadinessProbe implements ReadinessProbe {
  readonly description = 'the process to start';
  async attempt(): Promise<ProbeAttempt> {
    return { ready: true };
  }
}

export function probeFor(check: ReadyCheck): ReadinessProbe {
  switch (check.kind) {
    case 'http':
      return new HttpReadinessProbe(check.url);
    case 'tcp':
      return new TcpReadinessProbe(check.port);
    case 'log':
      return new LogReadinessProbe(check.pattern);
    case 'none':
      return new ImmediateReadinessProbe();
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between attempts; short, so readiness is noticed soon after it becomes true. */
  intervalMs?: number;
  /** Upper bound of a single attempt. */
  attemptTimeoutMs?: number;
  clock?: Clock;
  /** Aborting ends the wait early with reason 'aborted' (the process exited, or devup is stopping). */
  signal?: AbortSignal;
}

export type ReadinessOutcome =
  | { ready: true; elapsedMs: number; attempts: number }
  | {
      ready: false;
      reason: 'timeout' | 'aborted';
      elapsedMs: number;
      attempts: number;
      lastDetail: string | undefined;
    };

/** One attempt, cut off after `ms` or when `outer` aborts; `timedOut` says the cut-off came first. */
async function attemptWithin(
  probe: ReadinessProbe,
  ms: number,
  outer: AbortSignal,
): Promise<{ result: ProbeAttempt; timedOut: boolean }> {
  const controller = new AbortController();
  let timedOut = false;
  const abort = () => controller.abort();
  const timer = setTimeout(
    () => {
      timedOut = true;
      abort();
    },
    Math.max(1, ms),
  );
  outer.addEventListener('abort', abort, { once: true });
  try {
    const result = await probe.attempt(controller.signal);
    return { result, timedOut };
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', abort);
  }
}

/** Repeats the probe's attempts until one succeeds, the timeout passes, or the signal aborts. */
export async function waitUntilReady(probe: ReadinessProbe, options: WaitOptions): Promise<ReadinessOutcome> {
  const clock = options.clock ?? systemClock;
  const interval = options.intervalMs ?? 50;
  const attemptTimeout = options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const outer = options.signal ?? new AbortController().signal;
  const started = clock.now();
  const elapsed = () => clock.now() - started;
  let attempts = 0;
  let lastDetail: string | undefined;
  const notReady = (reason: 'timeout' | 'aborted'): ReadinessOutcome => ({
    ready: false,
    reason,
    elapsedMs: elapsed(),
    attempts,
    lastDetail,
  });

  let wake = new AbortController();
  const unsubscribe = probe.subscribe?.(() => wake.abort());
  const onAbort = () => wake.abort();
  outer.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (outer.aborted) return notReady('aborted');
      const remaining = options.timeoutMs - elapsed();
      if (remaining <= 0) return notReady('timeout');
      attempts++;
      const limit = Math.ceil(Math.min(attemptTimeout, remaining));
      const { result, timedOut } = await attemptWithin(probe, limit, outer);
      if (outer.aborted) return notReady('aborted');
      if (result.ready) return { ready: true, elapsedMs: elapsed(), attempts };
      // An attempt cut short by the overall deadline says less than the one before it (e.g. "HTTP 503").
      const cutByDeadline = timedOut && limit < attemptTimeout;
      if (!cutByDeadline || lastDetail === undefined) lastDetail = result.detail;
      const pause = Math.min(interval, options.timeoutMs - elapsed());
      if (pause <= 0) return notReady('timeout');
      if (!wake.signal.aborted) await clock.sleep(pause, wake.signal);
      wake = new AbortController();
    }
  } finally {
    unsubscribe?.();
    outer.removeEventListener('abort', onAbort);
  }
}
