import { infraReferences } from '../env-placeholders.js';
import { closest } from '../suggest.js';
import type { InfraSettings, ServiceSettings } from '../types.js';
import type { NormaliseContext } from './context.js';

/**
 * The rules that span infra and services: one name names one thing, infra depends on infra only,
 * and every `{infra.NAME.…}` placeholder names an entry.
 */
export function checkInfraNames(
  ctx: NormaliseContext,
  infra: readonly InfraSettings[],
  services: readonly ServiceSettings[],
): void {
  const names = infra.map((i) => i.name);
  const serviceNames = new Set(services.map((s) => s.name));
  for (const entry of infra) {
    if (serviceNames.has(entry.name)) {
      ctx.problems.push({
        path: `infra.${entry.name}`,
        message: `"${entry.name}" is also a service: give the infra entry or the service another name (dependsOn names one of them)`,
      });
    }
    for (const dependency of entry.dependsOn) {
      if (dependency === entry.name) {
        ctx.problems.push({ path: `infra.${entry.name}.dependsOn`, message: 'an infra entry cannot depend on itself' });
      } else if (!names.includes(dependency)) {
        const suggestion = closest(dependency, names);
        const hint = serviceNames.has(dependency) ? ' (infra starts before services: it cannot depend on one)' : '';
        ctx.problems.push({
          path: `infra.${entry.name}.dependsOn`,
          message: `unknown infra "${dependency}"${suggestion ? ` (did you mean "${suggestion}"?)` : hint}`,
        });
      }
    }
  }
  for (const service of services) {
    for (const [key, value] of Object.entries(service.env)) {
      for (const { infra: name } of infraReferences(value)) {
        if (names.includes(name)) continue;
        const suggestion = closest(name, names);
        ctx.problems.push({
          path: `services.${service.name}.env.${key}`,
          message: `{infra.${name}.…} names no infra entry${suggestion ? ` (did you mean "${suggestion}"?)` : names.length ? `; infra: ${names.join(', ')}` : '; declare it under `infra`'}`,
        });
      }
    }
  }
}

/** The infra a service needs: what it depends on and what its env names, with their own dependencies. */
export function infraNeededBy(services: readonly ServiceSettings[], infra: readonly InfraSettings[]): string[] {
  const byName = new Map(infra.map((i) => [i.name, i]));
  const wanted = new Set<string>();
  const add = (name: string) => {
    const entry = byName.get(name);
    if (!entry || wanted.has(name)) return;
    wanted.add(name);
    for (const dependency of entry.dependsOn) add(dependency);
  };
  for (const service of services) {
    for (const dependency of service.dependsOn) add(dependency);
    for (const value of Object.values(service.env)) for (const { infra: name } of infraReferences(value)) add(name);
  }
  return infra.filter((i) => wanted.has(i.name)).map((i) => i.name);
}
