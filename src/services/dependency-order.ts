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
