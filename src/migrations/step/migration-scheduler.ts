import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { DependencyGraph } from '../../config/dependency-graph.js';
import type { ServiceSettings } from '../../config/types.js';
import type { TargetWork } from './target-check.js';

export interface ScheduleOptions {
  /** Targets migrating at once, over all services. */
  concurrency: number;
  /**
   * External tools' processes at once, over all services (default: the cores there are). Each
   * pays its runtime's start and the app's imports in CPU: more than the cores only queue.
   */
  toolConcurrency?: number;
  /** Migrates one target; false when it failed (the services that depend on it are skipped). */
  run: (work: TargetWork) => Promise<boolean>;
  skip: (work: TargetWork) => void;
}

/** `migrations.concurrency` of the service these works belong to. */
function serviceConcurrency(works: TargetWork[]): number {
  return works[0]?.service.service.migrations?.concurrency ?? 4;
}

/**
 * The dependencies whose migrations a service's migrations wait for: those in the same database.
 * A migration can only see its own database, so one in another database is independent of it
 * (`dependsOn` still orders the services' starts).
 */
export function migrationDependencies(services: readonly ServiceSettings[], name: string): string[] {
  const service = services.find((s) => s.name === name);
  if (!service) return [];
  return service.dependsOn.filter((dep) => services.find((s) => s.name === dep)?.database === service.database);
}

/**
 * Dependencies in the same database first: a service's targets wait for those dependencies'
 * targets, and are skipped if one of them failed. Independent targets (other services, other
 * databases) run in parallel, bounded overall, per service, and for tool processes by the cores.
 */
export async function runInDependencyOrder(
  services: ServiceSettings[],
  works: TargetWork[],
  options: ScheduleOptions,
): Promise<void> {
  const limit = pLimit(options.concurrency);
  const toolLimit = pLimit(Math.max(1, options.toolConcurrency ?? availableParallelism()));
  // A tool target holds a core for its process; devup's own SQL targets mostly wait on the server.
  const start = (work: TargetWork) =>
    limit(() => (work.sqlPlan ? options.run(work) : toolLimit(() => options.run(work))));
  const graph = new DependencyGraph(
    services.map((service) => ({ name: service.name, dependsOn: migrationDependencies(services, service.name) })),
  );
  await Promise.all(
    graph.runDependenciesFirst(async (service, dependencies) => {
      const mine = works.filter((w) => w.target.service === service.name);
      if (!dependencies.every(Boolean)) {
        for (const w of mine) options.skip(w);
        return false;
      }
      // The first tenant runs alone: database-wide objects its migrations create (an extension,
      // a shared function) exist before the other tenants race to create them too.
      const [first, ...rest] = mine;
      const firstOk = first ? await start(first) : true;
      const perService = pLimit(serviceConcurrency(mine));
      const restOk = await Promise.all(rest.map((w) => perService(() => start(w))));
      return firstOk && restOk.every(Boolean);
    }),
  );
}
