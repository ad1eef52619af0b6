import { serviceReferences } from '../env-placeholders.js';
import { serviceBaseUrl } from '../service-address.js';
import { closest } from '../suggest.js';
import type { ServiceSettings } from '../types.js';
import type { NormaliseContext } from './context.js';

/**
 * `{service.NAME.url|host|port}` in a service's `env` or `migrations.env`: NAME must be a service
 * of this config with an address (a port, or an http readiness URL), or the value could never be
 * filled in.
 */
export function checkServiceReferences(ctx: NormaliseContext, services: readonly ServiceSettings[]): void {
  const byName = new Map(services.map((service) => [service.name, service]));
  for (const service of services) {
    const envs: [string, Record<string, string>][] = [[`services.${service.name}.env`, service.env]];
    if (service.migrations?.kind === 'tool')
      envs.push([`services.${service.name}.migrations.env`, service.migrations.env]);
    for (const [at, env] of envs) {
      for (const [key, value] of Object.entries(env)) {
        for (const reference of serviceReferences(value)) {
          const message = referenceProblem(reference.service, byName);
          if (message) ctx.problems.push({ path: `${at}.${key}`, message });
        }
      }
    }
  }
}

function referenceProblem(name: string, byName: ReadonlyMap<string, ServiceSettings>): string | undefined {
  const target = byName.get(name);
  if (target === undefined) {
    const suggestion = closest(name, [...byName.keys()]);
    return `{service.${name}.…} names no service${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: the services are ${[...byName.keys()].join(', ')}`;
  }
  if (serviceBaseUrl(target) === undefined) {
    return `{service.${name}.…}: services.${name} has no address; give it a \`port\` or an http \`ready\` URL`;
  }
  return undefined;
}
