import type { MigrationEvent } from '../sql/apply.js';
import type { TargetBase } from '../targets.js';
import { isFresh, needsWork, type TargetWork } from './target-check.js';

/** What the migration step reports as it goes (the UI draws from these). */
export type StepEvent =
  | { type: 'checked'; target: TargetBase; pending: string[]; upToDate: boolean }
  | { type: 'target-start'; target: TargetBase }
  | { type: 'target-done'; target: TargetBase; applied: string[]; ms: number }
  | { type: 'target-failed'; target: TargetBase; error: unknown }
  | { type: 'target-skipped'; target: TargetBase; reason: string }
  | { type: 'output'; target: TargetBase; line: string }
  | { type: 'database-setup'; database: string; done: string[]; warnings: string[] }
  | MigrationEvent;

export interface TargetOutcome {
  target: TargetBase;
  status: 'up-to-date' | 'applied' | 'pending' | 'failed' | 'skipped';
  /** Nothing had been applied to this target before this run (seed data goes only there). */
  fresh: boolean;
  applied: string[];
  pending: string[];
  error?: unknown;
}

/** Each target's outcome as the step goes, and the first failure (what the command exits with). */
export class StepOutcomes {
  private readonly byTarget = new Map<TargetBase, TargetOutcome>();
  failure: unknown;

  constructor(
    works: TargetWork[],
    private readonly emit: (event: StepEvent) => void,
  ) {
    for (const work of works) {
      this.byTarget.set(work.target, {
        target: work.target,
        status: needsWork(work) ? 'pending' : 'up-to-date',
        fresh: isFresh(work),
        applied: [],
        pending: work.pending,
      });
    }
  }

  hasFailed(target: TargetBase): boolean {
    return this.byTarget.get(target)?.status === 'failed';
  }

  applied(target: TargetBase, applied: string[]): void {
    const outcome = this.byTarget.get(target);
    if (outcome) {
      outcome.status = 'applied';
      outcome.applied = applied;
    }
  }

  failed(target: TargetBase, error: unknown): void {
    this.failure ??= error;
    const outcome = this.byTarget.get(target);
    if (outcome) {
      outcome.status = 'failed';
      outcome.error = error;
    }
    this.emit({ type: 'target-failed', target, error });
  }

  skipped(target: TargetBase, reason: string): void {
    this.emit({ type: 'target-skipped', target, reason });
    const outcome = this.byTarget.get(target);
    if (outcome) outcome.status = 'skipped';
  }

  list(): TargetOutcome[] {
    return [...this.byTarget.values()];
  }
}
