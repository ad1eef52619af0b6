import type { ServiceSettings } from '../config/types.js';

/**
 * For each service, the services (of this set) that depend on it: those must stop before it does.
 * Dependencies outside the set are ignored.
 */
export function dependentsOf(services: readonly ServiceSettings[]): Map<string, string[]> {
  const names = new Set(services.map((service) => service.name));
  const dependents = new Map<string, string[]>(services.map((service) => [service.name, []]));
  for (const service of services) {
    for (const dependency of service.dependsOn) {
      if (names.has(dependency) && dependency !== service.name) dependents.get(dependency)?.push(service.name);
    }
  }
  return dependents;
}

/** The named services and everything that depends on them, transitively, in config order. */
export function withDependents(services: readonly ServiceSettings[], names: readonly string[]): ServiceSettings[] {
  const dependents = dependentsOf(services);
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dependent of dependents.get(name) ?? []) add(dependent);
  };
  for (const name of names) add(name);
  return services.filter((service) => wanted.has(service.name));
}

/**
 * Runs `fn` for every service once its runs of `before(service)` (within `services`) are done,
 * the others at the same time. Rejects as Promise.all does.
 */
function inOrder(
  services: readonly ServiceSettings[],
  before: (service: ServiceSettings) => readonly string[],
  fn: (service: ServiceSettings) => Promise<unknown>,
): Promise<void> {
  const byName = new Map(services.map((service) => [service.name, service]));
  const runs = new Map<string, Promise<void>>();
  const run = (service: ServiceSettings): Promise<void> => {
    let promise = runs.get(service.name);
    if (promise === undefined) {
      const first = before(service).flatMap((name) => byName.get(name) ?? []);
      promise = Promise.all(first.map(run)).then(async () => {
        await fn(service);
      });
      // Later runs await it too; a rejection is reported once, through Promise.all below.
      promise.catch(() => {});
      runs.set(service.name, promise);
    }
    return promise;
  };
  return Promise.all(services.map(run)).then(() => {});
}

/** Starting order: each service once its dependencies (within `services`) are done. */
export function dependenciesFirst(
  services: readonly ServiceSettings[],
  fn: (service: ServiceSettings) => Promise<unknown>,
): Promise<void> {
  return inOrder(services, (service) => service.dependsOn, fn);
}

/** Stopping order: each service once everything that depends on it (within `services`) is done. */
export function dependentsFirst(
  services: readonly ServiceSettings[],
  fn: (service: ServiceSettings) => Promise<unknown>,
): Promise<void> {
  const dependents = dependentsOf(services);
  return inOrder(services, (service) => dependents.get(service.name) ?? [], fn);
}
