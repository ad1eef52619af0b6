import type pg from 'pg';
import type { MigrationStepSettings, ToolRunSettings } from '../../config/types.js';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import type { applyTarget } from '../sql/apply.js';
import type { TargetBase } from '../targets.js';
import type { StepEvent } from './step-outcomes.js';
import { StepOutcomes, type TargetOutcome } from './step-outcomes.js';
import { planStep } from './step-plan.js';
import { checkTargets, isFresh, needsWork, type TargetWork } from './target-check.js';

export type { StepEvent, TargetOutcome } from './step-outcomes.js';

export interface MigrationStepOptions {
  services?: string[] | undefined;
  tenant?: string | undefined;
  strict?: boolean | undefined;
  /** Only check: report what is pending, apply nothing. */
  checkOnly?: boolean | undefined;
  /**
   * Create a service's missing database (default). Off for an external server unless the config
   * says so (`database.createDatabases`): a deploy's role need not have CREATEDB.
   */
  createDatabases?: boolean | undefined;
  /** Create nothing either, not even a service's missing database (`status`); implies checkOnly. */
  readOnly?: boolean | undefined;
  concurrency?: number | undefined;
  onEvent?: (event: StepEvent) => void;
  /**
   * Called once every target is checked, before anything is applied (the UI sets up here; seeds
   * owed to fresh targets are recorded here, so a run that stops half-way still seeds them later).
   */
  onPlanned?: (
    targets: { target: TargetBase; pending: string[]; upToDate: boolean; fresh: boolean }[],
  ) => Promise<void> | void;
  signal?: AbortSignal | undefined;
  /** An open connection to the main database to check with (the warm path's); else one is opened. */
  client?: pg.Client | undefined;
  /** Applies one SQL target (default: applyTarget); `devup check` wraps it to walk up → down → up. */
  applySql?: typeof applyTarget;
  /** What a failed tool run's hint tells to run again (`devup check` says itself). */
  retry?: string | undefined;
}

export interface MigrationStepResult {
  outcomes: TargetOutcome[];
  /** The first failure, if any: what the command exits with. */
  failure: unknown;
  ms: number;
}

/**
 * The migration step of `devup dev` and `devup migrate`: collect the targets and check each with
 * one round trip per database, plan (warnings, refusals), then, if anything is pending, apply it:
 * dependencies first, independent targets in parallel on a bounded pool.
 */
export async function runMigrationStep(
  config: MigrationStepSettings,
  admin: ConnectionInfo,
  options: MigrationStepOptions = {},
): Promise<MigrationStepResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const check = (client: pg.Client) => checkTargets(config, admin, client, options, emit);
  const works = options.client ? await check(options.client) : await withClient(admin, check);
  const outcomes = new StepOutcomes(works, emit);
  const toMigrate = planStep(works, outcomes, options, emit);
  await options.onPlanned?.(
    works.map((w) => ({ target: w.target, pending: w.pending, upToDate: !needsWork(w), fresh: isFresh(w) })),
  );
  const result = () => ({ outcomes: outcomes.list(), failure: outcomes.failure, ms: performance.now() - started });
  if (options.checkOnly || options.readOnly || toMigrate.length === 0) return result();

  // A lazy seam: the warm path (nothing pending) returns above, and never loads the applying
  // side (the executor, the SQL engine's apply, split, scan and failure reporting).
  const [{ runInDependencyOrder }, executor] = await Promise.all([
    import('./migration-scheduler.js'),
    import('./target-executor.js'),
  ]);
  await runInDependencyOrder(config.services, toMigrate, {
    concurrency: options.concurrency ?? 4,
    skip: (work) => outcomes.skipped(work.target, 'a dependency failed'),
    run: (work) => migrateAndRecord(config, admin, work, options, outcomes, executor),
  });
  return result();
}

/** One target's run, told as events and recorded in its outcome; false if it failed. */
async function migrateAndRecord(
  config: ToolRunSettings,
  admin: ConnectionInfo,
  work: TargetWork,
  options: MigrationStepOptions,
  outcomes: StepOutcomes,
  { migrateTarget, explainTargetFailure }: typeof import('./target-executor.js'),
): Promise<boolean> {
  const emit = options.onEvent ?? (() => {});
  try {
    if (options.signal?.aborted) return true;
    emit({ type: 'target-start', target: work.target });
    const t0 = performance.now();
    const applied = await migrateTarget(config, admin, work, options, emit);
    outcomes.applied(work.target, applied);
    emit({ type: 'target-done', target: work.target, applied, ms: performance.now() - t0 });
    return true;
  } catch (caught) {
    outcomes.failed(work.target, explainTargetFailure(caught, work.target, admin));
    return false;
  }
}
