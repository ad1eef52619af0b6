import type { MigrationStepSettings, ServiceSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { InterruptedError } from '../../errors.js';
import { formatDuration } from '../../lib/format.js';
import { type MigrationStepResult, runMigrationStep } from '../../migrations/step/migration-step.js';
import { withDependents } from '../../services/dependency-order.js';
import type { ServiceSupervisor } from '../../services/service-supervisor.js';
import { errorEvent, formatError } from '../../ui/format-error.js';
import { MigrationProgress } from '../../ui/migration-progress.js';
import type { Output } from '../../ui/output.js';
import { seedTargets } from './seed-new-targets.js';

export interface LiveMigrationsOptions {
  output: Output;
  config: MigrationStepSettings;
  /** The services this `devup dev` runs (after --only). */
  services: ServiceSettings[];
  admin: ConnectionInfo;
  supervisor: Pick<ServiceSupervisor, 'restart'>;
  /** Aborted when `devup dev` stops: no new run starts. */
  signal: AbortSignal;
  /** After a run applied migrations and the services are ready again (the schema docs' refresh). */
  afterApplied?: (result: MigrationStepResult) => Promise<void>;
}

/**
 * Applies migrations while `devup dev` runs, one run at a time (requests made meanwhile wait and
 * are merged into the next run): a service with an applied file edited, or a pending file still
 * empty, is left alone with one line (live-checks); a failure leaves every service running on the old schema; after a success, the
 * migrated services and what depends on them restart (unless `restartOnMigrate: false`).
 */
export class LiveMigrations {
  readonly #options: LiveMigrationsOptions;
  readonly #pending = new Set<string>();
  /** Someone asked (the `m` key): say so even when nothing is pending. */
  #asked = false;
  /** Schemas reset from the dashboard: their seed data goes in again once they are migrated. */
  readonly #reseed = new Set<string>();
  #draining: Promise<void> | undefined;

  constructor(options: LiveMigrationsOptions) {
    this.#options = options;
  }

  /** Queues a run for these services; resolves once no run is left to do. */
  request(services: readonly string[], options: { asked?: boolean; reseed?: readonly string[] } = {}): Promise<void> {
    for (const name of services) this.#pending.add(name);
    for (const schema of options.reseed ?? []) this.#reseed.add(schema);
    if (options.asked) this.#asked = true;
    this.#draining ??= this.#drain();
    return this.#draining;
  }

  /** Resolves when the run under way (and what queued behind it) is done. */
  async idle(): Promise<void> {
    await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.size > 0 && !this.#options.signal.aborted) {
        const names = this.#options.services.filter((s) => this.#pending.has(s.name)).map((s) => s.name);
        this.#pending.clear();
        const asked = this.#asked;
        this.#asked = false;
        const reseed = new Set(this.#reseed);
        this.#reseed.clear();
        await this.#run(names, asked, reseed).catch((error: unknown) => this.#report(error));
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #run(names: string[], asked: boolean, reseed: ReadonlySet<string>): Promise<void> {
    const { output, config, admin, signal } = this.#options;
    const started = performance.now();
    const held = await this.#holds(names);
    const clean = names.filter((name) => !held.has(name));
    if (clean.length === 0) return;
    const progress = new MigrationProgress(output, { live: true });
    const result = await runMigrationStep(config, admin, {
      services: clean,
      onPlanned: (targets) => progress.planned(targets),
      onEvent: (event) => progress.event(event),
      signal,
    });
    await progress.finish();
    // As `devup reset` rebuilds: a target dropped and migrated again gets its seed data, before its service restarts.
    const reseeded = result.outcomes.filter((o) => reseed.has(o.target.schema) && o.status === 'applied');
    if (reseeded.length > 0) await seedTargets(output, config, admin, reseeded);
    if (asked && result.outcomes.every((o) => o.status === 'up-to-date')) {
      output.line(`${output.style('green', '✔')} Migrations up-to-date (${clean.join(', ')})`);
    }
    const { migrated, failed } = outcomeByService(result, this.#options.services);
    const idle = clean.filter((name) => !migrated.includes(name) && !failed.includes(name));
    // A change that applied nothing (a pending file deleted, an applied one saved unchanged) is
    // still answered, so nobody waits for a restart that will not come.
    if (!asked && idle.length > 0) output.line(`${output.style('dim', '…')} ${idle.join(', ')}: nothing to apply`);
    if (failed.length > 0) {
      output.line(
        `${output.style('red', '✗')} ${failed.join(', ')}: migration failed; every service keeps running on the old schema. Fix the file and save it again.`,
      );
    }
    if (migrated.length === 0) return;
    const restart = this.#toRestart(migrated);
    if (restart.length > 0) await this.#options.supervisor.restart(restart);
    const ms = performance.now() - started;
    const after = restart.length > 0 ? `; ${restart.join(', ')} ready again` : '';
    output.line(`${output.style('green', '✔')} ${migrated.join(', ')} migrated${after} in ${formatDuration(ms)}`);
    output.event({ event: 'live-migrated', services: migrated, restarted: restart, ms: Math.round(ms) });
    await this.#options.afterApplied?.(result);
  }

  /** The migrated services and their dependents, less those that opted out. */
  #toRestart(migrated: string[]): string[] {
    const running = this.#options.services.filter((s) => s.command !== undefined);
    const roots = migrated.filter((name) => running.find((s) => s.name === name)?.restartOnMigrate);
    return withDependents(running, roots)
      .filter((s) => s.restartOnMigrate)
      .map((s) => s.name);
  }

  /** Services left alone this time (an edited applied file, a file still empty): one line each. */
  async #holds(names: string[]): Promise<Set<string>> {
    const { output, config, admin } = this.#options;
    // Read only when a change came in: `devup dev` starts without it.
    const { liveHolds } = await import('./live-checks.js');
    const services = this.#options.services.filter((s) => names.includes(s.name) && s.migrations);
    const held = new Set<string>();
    for (const hold of await liveHolds(config, admin, services)) {
      held.add(hold.service);
      if (hold.kind === 'warn') output.warn(hold.line);
      else output.line(`${output.style('dim', '…')} ${hold.line}`);
      output.event({ event: 'live-held', service: hold.service, kind: hold.kind, message: hold.line });
    }
    return held;
  }

  #report(error: unknown): void {
    if (error instanceof InterruptedError || this.#options.signal.aborted) return;
    const { output } = this.#options;
    if (output.mode === 'json') output.event({ ...errorEvent(error), event: 'live-migration-error' });
    else output.line(formatError(error, output, output.verbose).text);
  }
}

/** Tools that cannot say what they applied: a successful run is all devup knows. */
const UNTOLD = new Set(['command', 'liquibase']);

/**
 * Services with something applied and nothing failed; services with a failure (or skipped for
 * one). A run that applied nothing (the tool ran because a file changed) migrated nothing.
 */
export function outcomeByService(
  result: Pick<MigrationStepResult, 'outcomes'>,
  settings: readonly ServiceSettings[],
): { migrated: string[]; failed: string[] } {
  const services = [...new Set(result.outcomes.map((o) => o.target.service))];
  const of = (name: string) => result.outcomes.filter((o) => o.target.service === name);
  const untold = (name: string) => {
    const migrations = settings.find((s) => s.name === name)?.migrations;
    return migrations?.kind === 'tool' && UNTOLD.has(migrations.tool);
  };
  const failed = services.filter((name) => of(name).some((o) => o.status === 'failed' || o.status === 'skipped'));
  const migrated = services.filter(
    (name) =>
      !failed.includes(name) && of(name).some((o) => o.status === 'applied' && (o.applied.length > 0 || untold(name))),
  );
  return { migrated, failed };
}
