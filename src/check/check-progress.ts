import type { StepEvent } from '../migrations/step/step-outcomes.js';

/** A span for people: "12 s", "5 min", "2 h". */
export function span(ms: number): string {
  const seconds = Math.round(ms / 1_000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

/** How long a migration runs before the check says which one it is waiting for. */
export const STILL_RUNNING_AFTER_MS = 5_000;

/**
 * The check's progress while it applies migrations: one line when it starts, and one naming the
 * migration that keeps it waiting (after each STILL_RUNNING_AFTER_MS it runs), so a slow or
 * endless migration is never a silent hang.
 */
export class CheckProgress {
  private readonly running = new Map<string, { what: string; since: number; said: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly line: (text: string) => void,
    private readonly statementTimeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    this.line(`› Applying migrations (statement timeout ${span(this.statementTimeoutMs)}: check.statementTimeout)`);
    // Looked at every second, said every STILL_RUNNING_AFTER_MS of one migration's run.
    this.timer = setInterval(() => this.report(), 1_000);
    this.timer.unref();
  }

  readonly onEvent = (event: StepEvent): void => {
    if (event.type === 'target-start')
      this.begin(event.target.schema, `${event.target.service} in ${event.target.schema}`);
    if (event.type === 'file-start') this.begin(event.target.schema, `${event.migration.id} in ${event.target.schema}`);
    if (event.type === 'target-done' || event.type === 'target-failed' || event.type === 'target-skipped') {
      this.running.delete(event.target.schema);
    }
  };

  private begin(schema: string, what: string): void {
    this.running.set(schema, { what, since: this.now(), said: 0 });
  }

  /** Each migration that has run another STILL_RUNNING_AFTER_MS since it was last named, longest first. */
  report(): void {
    const now = this.now();
    const slow = [...this.running.values()]
      .filter((r) => Math.floor((now - r.since) / STILL_RUNNING_AFTER_MS) > r.said)
      .sort((a, b) => a.since - b.since);
    for (const r of slow) {
      r.said = Math.floor((now - r.since) / STILL_RUNNING_AFTER_MS);
      this.line(
        `› Still running: ${r.what} (${span(now - r.since)} so far, stopped at ${span(this.statementTimeoutMs)})`,
      );
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.running.clear();
  }
}
