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
