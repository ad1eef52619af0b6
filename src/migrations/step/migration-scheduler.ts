import pLimit from 'p-limit';
import type { ServiceSettings } from '../../config/types.js';
import type { TargetWork } from './target-check.js';

export interface ScheduleOptions {
  /** Targets migrating at once, over all services. */
  concurrency: number;
  /** Migrates one target; false when it failed (the services that depend on it are skipped). */
  run: (work: TargetWork) => Promise<boolean>;
  skip: (work: TargetWork) => void;
}

/** `migrations.concurrency` of the service these works belong to. */
function serviceConcurrency(works: TargetWork[]): number {
  return works[0]?.service.service.migrations?.concurrency ?? 4;
}

/**
 * Dependencies first: a service's targets wait for its dependencies' targets, and are skipped if
 * one of those failed. Independent targets run in parallel, bounded overall and per service.
 */
export async function runInDependencyOrder(
  services: ServiceSettings[],
  works: TargetWork[],
  options: ScheduleOptions,
): Promise<void> {
  const serviceDone = new Map<string, Promise<boolean>>();
  const limit = pLimit(options.concurrency);
  const runService = (name: string): Promise<boolean> => {
    let done = serviceDone.get(name);
    if (!done) {
      done = (async () => {
        const deps = services.find((s) => s.name === name)?.dependsOn ?? [];
        const depsOk = (await Promise.all(deps.map((d) => runService(d)))).every(Boolean);
        const mine = works.filter((w) => w.target.service === name);
        if (!depsOk) {
          for (const w of mine) options.skip(w);
          return false;
        }
        // The first tenant runs alone: database-wide objects its migrations create (an extension,
        // a shared function) exist before the other tenants race to create them too.
        const [first, ...rest] = mine;
        const firstOk = first ? await limit(() => options.run(first)) : true;
        const perService = pLimit(serviceConcurrency(mine));
        const restOk = await Promise.all(rest.map((w) => perService(() => limit(() => options.run(w)))));
        return firstOk && restOk.every(Boolean);
      })();
      serviceDone.set(name, done);
    }
    return done;
  };
  await Promise.all([...new Set(works.map((w) => w.target.service))].map((name) => runService(name)));
}
